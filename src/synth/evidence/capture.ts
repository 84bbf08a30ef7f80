/**
 * The capture Job of one `captureEvidence` action, and what it needs: its ServiceAccount, least-privilege
 * Roles, the static scripts and the ConfigMap it writes its outcome to. It is an Argo CD `PreSync` hook, so
 * it runs before the containment is applied in the same sync (see gitops-annotations.ts for Flux).
 *
 * Why isolation never stops a capture, whatever the order: the Job runs in the evidence namespace, not the
 * contained one, and talks only to the API server. The pod's spec, status, events and logs are served by the
 * API server (logs fetched from the kubelet over the node's network, not the pod's). The debug container is
 * added through the `pods/ephemeralcontainers` subresource and its image is pulled by the node's container
 * runtime; it does join the pod's network namespace, so policies do apply to its traffic — but it makes none:
 * `ps`, `ss` and `/proc/net` read kernel tables of the namespaces it shares, and it prints to stdout, which
 * the Job reads back with `kubectl logs`. Limits: a pod with `hostNetwork: true` shows the node's sockets;
 * the `restricted` debug profile (non-root) sees command lines but not other users' open files or socket
 * owners; process namespace targeting (`--target`) needs a runtime that supports it (containerd, CRI-O).
 */
import type { Manifest } from '../../admission/manifest';
import { INCIDENT_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../admission/manifest';
import type { CaptureEvidenceAction, Incident } from '../../incident/types';
import type { ResolvedEvidenceSettings } from '../../settings/settings';
import { ACTION_LABEL, ANNOTATIONS, incidentAnnotations } from '../metadata';
import { destinationOf, destinationWiring, OUTPUT_ROOT } from './destination';
import { hookJobAnnotations, hookResultAnnotations, hookSupportAnnotations } from './gitops-annotations';
import { captureNames } from './names';
import { grant, resultConfigMapRules, serviceAccount, type PolicyRule } from './rbac';
import { scriptHashAnnotation, scriptText, sha256, SCRIPTS_MOUNT, type ScriptName } from './scripts';
import { containerSecurityContext, podSecurityContext } from './security';
import { ACTION_INDEX_LABEL, RESULT_KINDS, RESULT_LABEL } from './status-contract';

/** Value of the `airlock.dev/action` label on capture objects. */
export const CAPTURE_ACTION_LABEL = 'capture-evidence';

/**
 * What the capture's Role in the pod's namespace grants: reading that one pod and its logs, listing events
 * (a list names no object, so it cannot be narrowed by name), and — only for connection capture — adding an
 * ephemeral container to that one pod.
 */
export function captureRules(action: CaptureEvidenceAction): PolicyRule[] {
  const logs = action.logs ?? true;
  const connections = action.connections ?? false;
  return [
    { apiGroups: [''], resources: ['pods'], resourceNames: [action.pod], verbs: ['get'] },
    ...(logs || connections ? [{ apiGroups: [''], resources: ['pods/log'], resourceNames: [action.pod], verbs: ['get'] }] : []),
    { apiGroups: [''], resources: ['events'], verbs: ['list'] },
    ...(connections ? [{ apiGroups: [''], resources: ['pods/ephemeralcontainers'], resourceNames: [action.pod], verbs: ['patch'] }] : []),
  ];
}

/** Every object of the capture of action `index`, in a stable order. */
export function captureObjects(incident: Incident, action: CaptureEvidenceAction, index: number, evidence: ResolvedEvidenceSettings): Manifest[] {
  const names = captureNames(incident, index);
  const ns = evidence.namespace;
  const connections = action.connections ?? false;
  const labels = { [ACTION_LABEL]: CAPTURE_ACTION_LABEL };
  const annotations = { ...incidentAnnotations(incident), ...(action.override ? { [ANNOTATIONS.overrideReason]: action.override.reason } : {}) };
  const support = { labels, annotations: { ...annotations, ...hookSupportAnnotations('PreSync') } };
  const files: ScriptName[] = connections ? ['capture.sh', 'inspect.sh'] : ['capture.sh'];
  const scripts = Object.fromEntries(files.map((f) => [f, scriptText(f)]));
  const scriptsHash = sha256(files.map((f) => `${f}\n${scripts[f]}`).join('\n'));
  const wiring = destinationWiring(destinationOf(incident, action, index, evidence));
  const subject = { name: names.job, namespace: ns };

  const env: Array<Record<string, unknown>> = [
    { name: 'AIRLOCK_INCIDENT', value: incident.id },
    { name: 'AIRLOCK_NAMESPACE', value: action.namespace },
    { name: 'AIRLOCK_POD', value: action.pod },
    ...(action.container !== undefined ? [{ name: 'AIRLOCK_CONTAINER', value: action.container }] : []),
    { name: 'AIRLOCK_CAPTURE_LOGS', value: String(action.logs ?? true) },
    { name: 'AIRLOCK_CAPTURE_CONNECTIONS', value: String(connections) },
    ...(connections
      ? [
          { name: 'AIRLOCK_DEBUG_IMAGE', value: evidence.image },
          { name: 'AIRLOCK_DEBUG_PROFILE', value: evidence.debugProfile },
          { name: 'AIRLOCK_INSPECT_SCRIPT', value: `${SCRIPTS_MOUNT}/inspect.sh` },
        ]
      : []),
    { name: 'AIRLOCK_TIMEOUT_SECONDS', value: String(Math.floor(evidence.deadlineSeconds / 2)) },
    ...wiring.env,
    { name: 'AIRLOCK_OUTPUT_ROOT', value: OUTPUT_ROOT },
    { name: 'AIRLOCK_RESULT_CONFIGMAP', value: names.result },
    { name: 'AIRLOCK_RESULT_NAMESPACE', value: ns },
    { name: 'AIRLOCK_FAIL_ON_ERROR', value: String(evidence.failOnCaptureError) },
    { name: 'AIRLOCK_JOB_POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    // Read-only root filesystem: kubectl's cache and the AWS CLI's files go to the scratch volume.
    { name: 'HOME', value: '/tmp' },
    { name: 'KUBECACHEDIR', value: '/tmp/kube-cache' },
  ];

  return [
    serviceAccount(names.job, ns, support),
    ...grant(names.job, action.namespace, captureRules(action), subject, support),
    ...grant(names.job, ns, resultConfigMapRules(names.result), subject, support),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: names.scripts, namespace: ns, labels, annotations: { ...support.annotations, ...Object.fromEntries(files.map((f) => [scriptHashAnnotation(f), sha256(scripts[f])])) } },
      data: scripts,
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: names.result,
        namespace: ns,
        labels: { ...labels, [RESULT_LABEL]: RESULT_KINDS.evidence, [ACTION_INDEX_LABEL]: String(index) },
        annotations: { ...annotations, ...hookResultAnnotations('PreSync') },
      },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: names.job, namespace: ns, labels, annotations: { ...annotations, ...hookJobAnnotations('PreSync') } },
      spec: {
        // One retry (a new run folder); the deadline bounds how long the containment can wait for it.
        backoffLimit: 1,
        activeDeadlineSeconds: evidence.deadlineSeconds,
        template: {
          metadata: {
            labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [INCIDENT_LABEL]: incident.id, ...labels },
            annotations: { 'airlock.dev/scripts-sha256': scriptsHash },
          },
          spec: {
            serviceAccountName: names.job,
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            restartPolicy: 'Never',
            securityContext: podSecurityContext({ fsGroup: true }),
            containers: [
              {
                name: 'capture',
                image: evidence.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', `${SCRIPTS_MOUNT}/capture.sh`],
                env,
                resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
                securityContext: containerSecurityContext(),
                volumeMounts: [
                  { name: 'scripts', mountPath: SCRIPTS_MOUNT, readOnly: true },
                  { name: 'scratch', mountPath: '/tmp' },
                  wiring.mount,
                ],
              },
            ],
            volumes: [
              { name: 'scripts', configMap: { name: names.scripts, defaultMode: 0o444 } },
              { name: 'scratch', emptyDir: {} },
              wiring.volume,
            ],
          },
        },
      },
    },
  ];
}
