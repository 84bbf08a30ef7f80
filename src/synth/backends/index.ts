/**
 * Enforcement backends: how one network action becomes cluster objects, chosen per cluster by
 * `settings.backend`. `networkpolicy` is portable but only adds allows; the others carry a deny that outranks
 * existing allows (see DESIGN.md, Semantics):
 *
 * - `adminnetworkpolicy` ({@link AdminPolicyContainment}): an AdminNetworkPolicy (or ClusterNetworkPolicy),
 *   first-match Allow rules then Deny, plus the plain NetworkPolicy for ingress from outside the cluster;
 * - `calico` ({@link CalicoContainment}): a GlobalNetworkPolicy ordered before Kubernetes NetworkPolicies;
 * - `cilium` ({@link CiliumContainment}): a CiliumNetworkPolicy whose deny rules cover the exact complement
 *   of what stays allowed, or a refusal when that complement cannot be written.
 *
 * Every deny-capable backend reads the action through {@link containmentOf}, so they agree on what is allowed.
 */
import type { Construct } from 'constructs';
import { IsolationPolicy } from '../isolation-policy';
import { AdminPolicyContainment } from './adminnetworkpolicy';
import { CalicoContainment } from './calico';
import { CiliumContainment } from './cilium';
import type { BackendProps } from './containment';

export type { BackendProps } from './containment';
export { AdminPolicyContainment } from './adminnetworkpolicy';
export { CalicoContainment } from './calico';
export { CiliumContainment } from './cilium';
export { BackendRefusalError } from './errors';

/** Adds the objects that enforce one network action with the configured backend. */
export function addNetworkAction(scope: Construct, id: string, props: BackendProps): void {
  switch (props.settings.backend) {
    case 'networkpolicy':
      new IsolationPolicy(scope, id, props);
      return;
    case 'adminnetworkpolicy':
      new AdminPolicyContainment(scope, id, props);
      return;
    case 'calico':
      new CalicoContainment(scope, id, props);
      return;
    case 'cilium':
      new CiliumContainment(scope, id, props);
      return;
  }
}
