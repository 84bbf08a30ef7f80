/**
 * Enforcement backends: how one network action becomes cluster objects. `networkpolicy` is portable but only
 * adds allows; the others carry a deny that outranks existing allows (see DESIGN.md, Semantics).
 */
import type { Construct } from 'constructs';
import type { Incident, NetworkAction } from '../../incident/types';
import type { Settings } from '../../settings/settings';
import { IsolationPolicy } from '../isolation-policy';

/** Props every backend receives for one action. */
export interface BackendProps {
  readonly incident: Incident;
  readonly action: NetworkAction;
  /** Index of the action in `incident.actions`. */
  readonly index: number;
  readonly settings: Settings;
}

/** Adds the objects that enforce one network action with the configured backend. */
export function addNetworkAction(scope: Construct, id: string, props: BackendProps): void {
  switch (props.settings.backend) {
    case 'networkpolicy':
      new IsolationPolicy(scope, id, props);
      return;
  }
}
