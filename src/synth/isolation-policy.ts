/**
 * The NetworkPolicy of one network action (the portable `networkpolicy` backend). A NetworkPolicy only adds
 * allows: this object isolates the selected pods in the directions it names, and whether older policies still
 * let traffic through is for `airlock plan` to prove from the inventory, not for this object to assume.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { Settings } from '../settings/settings';
import { QUARANTINE_LABEL, type Incident, type Labels, type NetworkAction } from '../incident/types';
import { ACTION_LABEL, ANNOTATIONS, incidentAnnotations } from './metadata';
import { allowRule, dnsEgressRules, renderRules, type NetworkPolicyRule } from './network-rules';

/** Props of {@link IsolationPolicy}. */
export interface IsolationPolicyProps {
  readonly incident: Incident;
  readonly action: NetworkAction;
  /** Index of the action in `incident.actions`; part of the object name, so names are stable and unique. */
  readonly index: number;
  readonly settings: Settings;
}

/** Short, name-safe form of each network action kind. */
export const ACTION_SLUGS: Readonly<Record<NetworkAction['kind'], string>> = {
  isolatePod: 'isolate-pod',
  isolateWorkload: 'isolate-workload',
  quarantineNamespace: 'quarantine-namespace',
  restrictEgress: 'restrict-egress',
};

/** Name of the policy for action `index` of an incident. */
export function isolationPolicyName(incident: Pick<Incident, 'slug'>, action: NetworkAction, index: number): string {
  return `airlock-${incident.slug}-${index}-${ACTION_SLUGS[action.kind]}`;
}

/**
 * The pods an action selects. Single-pod actions select the per-incident quarantine label, not the pod's own
 * labels, which its replicas and lookalikes share.
 */
export function actionPodSelector(incident: Pick<Incident, 'id'>, action: NetworkAction): Labels {
  switch (action.kind) {
    case 'isolatePod':
      return { [QUARANTINE_LABEL]: incident.id };
    case 'isolateWorkload':
      return action.selector;
    case 'quarantineNamespace':
      return {};
    case 'restrictEgress':
      return action.pod !== undefined ? { [QUARANTINE_LABEL]: incident.id } : action.selector;
  }
}

/** One NetworkPolicy: isolation in both directions, or (restrictEgress) an egress allow-list. */
export class IsolationPolicy extends Construct {
  /** The policy object. */
  readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: IsolationPolicyProps) {
    super(scope, id);
    const { incident, action, index, settings } = props;
    const dns = action.dns ?? settings.dns.defaultProfile;
    const egressOnly = action.kind === 'restrictEgress';
    const egress: NetworkPolicyRule[] = [...dnsEgressRules(dns, settings.dns)];
    const ingress: NetworkPolicyRule[] = [];
    for (const allow of action.allow ?? []) {
      const rule = allowRule(allow);
      if (egressOnly || ('direction' in allow && allow.direction === 'egress')) egress.push(rule);
      else ingress.push(rule);
    }
    const selector = actionPodSelector(incident, action);
    const annotations: Record<string, string> = { ...incidentAnnotations(incident), [ANNOTATIONS.dnsProfile]: dns };
    if (action.override) annotations[ANNOTATIONS.overrideReason] = action.override.reason;

    this.apiObject = new ApiObject(this, 'policy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: isolationPolicyName(incident, action, index),
        namespace: action.namespace,
        labels: { [ACTION_LABEL]: ACTION_SLUGS[action.kind] },
        annotations,
      },
      spec: {
        podSelector: Object.keys(selector).length > 0 ? { matchLabels: { ...selector } } : {},
        policyTypes: egressOnly ? ['Egress'] : ['Ingress', 'Egress'],
        ...(ingress.length > 0 ? { ingress: renderRules(ingress, 'ingress') } : {}),
        ...(egress.length > 0 ? { egress: renderRules(egress, 'egress') } : {}),
      },
    });
  }
}
