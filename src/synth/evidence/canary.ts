/**
 * The canary pod of an enforcement probe. The probe Job creates it at run time, in the contained namespace,
 * from this manifest (generated here with JSON escaping, so no label value is ever spliced into a script).
 *
 * Its labels are exactly what the isolation selects — the quarantine label for single-pod actions, the
 * workload's labels for a workload — so every backend's policy applies to it as to the suspect. Carrying a
 * workload's labels would make a ReplicaSet adopt it and then delete a pod to restore its replica count, and
 * a Service send it traffic; so it has a controller owner (the anchor ConfigMap, whose uid the Job fills in
 * for {@link ANCHOR_UID_PLACEHOLDER}), which also garbage-collects it with the incident, and a readiness probe
 * that never succeeds, which keeps it out of every Service's ready endpoints. It mounts no token, has a
 * deadline of its own, and runs under the restricted security context.
 */
import type { Incident, Labels } from '../../incident/types';
import { INCIDENT_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../admission/manifest';
import { scriptText } from './scripts';
import { containerSecurityContext, podSecurityContext } from './security';

/** Text the probe script replaces with the anchor ConfigMap's uid (after checking it is only a uid). */
export const ANCHOR_UID_PLACEHOLDER = '__AIRLOCK_ANCHOR_UID__';

/** Label marking a canary pod, so a responder can tell it from the workload it imitates. */
export const CANARY_LABEL = 'airlock.dev/canary';

/** What {@link canaryManifest} needs. */
export interface CanaryProps {
  readonly incident: Pick<Incident, 'id'>;
  readonly namespace: string;
  readonly name: string;
  readonly anchor: string;
  /** The labels the action's policy selects (may be empty for a namespace quarantine). */
  readonly selector: Labels;
  readonly image: string;
  readonly port: number;
  readonly egressTargets: readonly string[];
  readonly dnsName: string;
  /** Seconds after which the canary stops by itself, should the Job die before deleting it. */
  readonly deadlineSeconds: number;
  readonly annotations: Readonly<Record<string, string>>;
}

/** The canary's manifest, as the Job creates it (with the owner's uid still a placeholder). */
export function canaryManifest(props: CanaryProps): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: props.name,
      namespace: props.namespace,
      // The selector comes last: the canary must match the policy even if its keys overlap Airlock's own.
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [INCIDENT_LABEL]: props.incident.id, [CANARY_LABEL]: 'true', ...props.selector },
      annotations: { ...props.annotations },
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: props.anchor, uid: ANCHOR_UID_PLACEHOLDER, controller: true, blockOwnerDeletion: false }],
    },
    spec: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      restartPolicy: 'Never',
      activeDeadlineSeconds: props.deadlineSeconds,
      terminationGracePeriodSeconds: 1,
      securityContext: podSecurityContext(),
      containers: [
        {
          name: 'canary',
          image: props.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['sh', '-c', scriptText('canary.sh')],
          env: [
            { name: 'AIRLOCK_PORT', value: String(props.port) },
            { name: 'AIRLOCK_EGRESS_TARGETS', value: props.egressTargets.join(' ') },
            { name: 'AIRLOCK_DNS_NAME', value: props.dnsName },
          ],
          ports: [{ name: 'airlock-echo', containerPort: props.port, protocol: 'TCP' }],
          readinessProbe: { exec: { command: ['false'] }, periodSeconds: 3600 },
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
          securityContext: containerSecurityContext(),
        },
      ],
    },
  };
}
