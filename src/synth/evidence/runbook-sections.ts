/**
 * The runbook's evidence and proof sections: what the capture Job records and where, how to read its outcome
 * and the probe's verdict, and what to do by hand when the settings configure no capture. Every command is
 * built from validated values and shell-quoted word by word, as in the rest of the runbook.
 */
import { QUARANTINE_LABEL, type CaptureEvidenceAction, type Incident, type NetworkAction } from '../../incident/types';
import type { ResolvedEvidenceSettings, Settings } from '../../settings/settings';
import { INCIDENT_LABEL } from '../metadata';
import { actionPodSelector } from '../isolation-policy';
import { shellCommand } from '../shell-quote';
import { CAPTURE_DIR } from '../synthesize';
import { describeDestination, destinationOf } from './destination';
import { captureNames, probeNames, volumeSnapshotName } from './names';
import { probeExpectations } from './probe';

function fence(lines: readonly string[]): string {
  return ['```sh', ...lines, '```'].join('\n');
}

/** Text that never breaks out of Markdown inline formatting (the runbook's rule). */
function inline(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/([\\`*_{}[\]<>|#])/g, '\\$1');
}

const kubectl = (...args: string[]): string => shellCommand(['kubectl', ...args]);

/**
 * The program the by-hand debug container runs: fixed text, no input. `ss` where the image has it, else
 * `netstat`, like the capture Job's inspect.sh.
 */
const INSPECT_PROGRAM = 'ps -o pid,ppid,user,args; (ss -tanup || netstat -tanup) 2>/dev/null';

/**
 * The commands a responder runs by hand to keep a pod's evidence. With `debug`, also its processes and sockets
 * from an ephemeral container of the pinned forensic image (named by the time, since a pod never reuses an
 * ephemeral container's name); `--attach` waits for it to finish, then its log is the record.
 */
export function manualCaptureCommands(namespace: string, pod: string, dir: string, debug?: { readonly image: string; readonly profile: string; readonly container?: string }): string[] {
  const target = debug?.container !== undefined ? shellCommand([debug.container]) : `"$(${kubectl('get', 'pod', '--namespace', namespace, pod, '--output', 'jsonpath={.spec.containers[0].name}')})"`;
  return [
    shellCommand(['mkdir', '-p', dir]),
    `${kubectl('get', 'pod', '--namespace', namespace, pod, '--output', 'yaml')} > ${shellCommand([`${dir}/pod.yaml`])}`,
    `${kubectl('logs', '--namespace', namespace, pod, '--all-containers', '--prefix', '--timestamps')} > ${shellCommand([`${dir}/logs.txt`])}`,
    `${kubectl('logs', '--namespace', namespace, pod, '--all-containers', '--prefix', '--timestamps', '--previous')} > ${shellCommand([`${dir}/logs-previous.txt`])} || true`,
    `${kubectl('get', 'events', '--namespace', namespace, '--field-selector', `involvedObject.name=${pod}`, '--output', 'yaml')} > ${shellCommand([`${dir}/events.yaml`])}`,
    ...(debug
      ? [
          'debug="airlock-by-hand-$(date +%s)"',
          `${kubectl('debug', '--namespace', namespace, pod, '--image', debug.image, '--profile', debug.profile)} --target ${target} --container "$debug" --attach --quiet -- sh -c ${shellCommand([INSPECT_PROGRAM])} > /dev/null`,
          `${kubectl('logs', '--namespace', namespace, pod)} --container "$debug" > ${shellCommand([`${dir}/processes-and-sockets.txt`])}`,
        ]
      : []),
    `sha256sum ${shellCommand([dir])}/* > ${shellCommand([`${dir}/SHA256SUMS`])}`,
  ];
}

/** Index of the incident's `captureEvidence` action for a pod, if it has one. */
export function captureActionFor(incident: Incident, namespace: string, pod: string): number | undefined {
  const index = incident.actions.findIndex((a) => a.kind === 'captureEvidence' && a.namespace === namespace && a.pod === pod);
  return index === -1 ? undefined : index;
}

function captureWith(incident: Incident, action: CaptureEvidenceAction, index: number, evidence: ResolvedEvidenceSettings): string[] {
  const names = captureNames(incident, index);
  const ns = evidence.namespace;
  const destination = destinationOf(incident, action, index, evidence);
  const debug = { image: evidence.image, profile: evidence.debugProfile, ...(action.container !== undefined ? { container: action.container } : {}) };
  const records = [
    "the pod's spec and status (`pod.yaml`) and image digests from `containerStatuses[].imageID` (`images.tsv`)",
    ...(action.logs ?? true ? ['the logs of every container, and of their previous instances (`logs/`)'] : []),
    'its events (`events.yaml`)',
    ...(action.connections
      ? [
          `its processes and sockets (\`processes-and-sockets.txt\`), from an ephemeral debug container of \`${evidence.image}\` (profile \`${evidence.debugProfile}\`) that targets ${action.container ? `container \`${action.container}\`` : 'its first container'}; the debug container stays in the pod's spec for the pod's life`,
        ]
      : []),
  ];
  return [
    `The Job \`${names.job}\` in \`${ns}\` runs before the containment is applied: an Argo CD \`PreSync\` hook; with Flux, the evidence Kustomization applies it from \`${CAPTURE_DIR}/${incident.slug}/\` and the containment's Kustomization waits for it (\`dependsOn\`). Isolation would not stop it anyway: it reads the pod through the API server and the kubelet, never over the pod's network. It records:`,
    '',
    ...records.map((r) => `- ${r}`),
    '',
    `into ${describeDestination(destination, ns)}, under \`${incident.id}/${action.namespace}/${action.pod}/<run>/\`, with \`SHA256SUMS\` (sha256 of every file). ${evidence.failOnCaptureError ? 'A failed step fails the Job, and holds the containment back.' : 'A failed step is recorded and does not hold the containment back.'} Each sync runs it again, into a new run folder.`,
    '',
    `A capture Job that cannot run at all (its image not pulled, the claim missing) fails after ${evidence.deadlineSeconds} seconds, and the containment is not applied: Argo CD fails the sync; Flux leaves the evidence Kustomization not Ready, so the containment's waits. Then apply the containment without the capture — Argo CD: \`argocd app sync <application> --strategy apply\` (no hooks); Flux: \`kubectl --namespace flux-system patch kustomization <kustomization> --type json --patch '[{"op":"remove","path":"/spec/dependsOn"}]'\` and \`flux reconcile kustomization <kustomization> --namespace flux-system\` (re-applying the bootstrap restores the order) — and capture by hand. Flux keeps a failed Job as it is: once the cause is fixed, \`kubectl --namespace ${ns} delete job ${names.job}\` lets the evidence Kustomization run it again.`,
    '',
    'By hand:',
    '',
    fence(manualCaptureCommands(action.namespace, action.pod, `evidence/${incident.id}/${action.pod}/before-containment`, debug)),
    '',
    `After the containment holds (the quarantine label applied, the probe \`enforced\`), record the pod again: what it still tries to reach shows in its sockets and logs${action.connections ? '' : ' (the debug container adds one to the pod, which whoever is inside sees)'}.`,
    '',
    fence(manualCaptureCommands(action.namespace, action.pod, `evidence/${incident.id}/${action.pod}/after-containment`, debug)),
    '',
    'Its outcome (keys `status`, `location`, `manifest-sha256`, `failed-steps`, …) and its log:',
    '',
    fence([
      shellCommand(['kubectl', 'get', 'configmap', '--namespace', ns, names.result, '--output', 'yaml']),
      shellCommand(['kubectl', 'logs', '--namespace', ns, `job/${names.job}`]),
    ]),
    '',
    'In the run folder, `sha256sum -c SHA256SUMS` verifies every file, and `sha256sum SHA256SUMS` must equal `manifest-sha256`.',
  ];
}

/** The section of a `captureEvidence` action. */
export function captureSection(incident: Incident, action: CaptureEvidenceAction, index: number, settings: Settings): string {
  const evidence = settings.evidence;
  const snapshots = (action.volumes ?? []).map((claim) => `- \`${volumeSnapshotName(incident, index, claim)}\` of claim \`${claim}\``);
  return [
    `## ${index + 1}. Capture evidence of ${inline(action.namespace)}/${inline(action.pod)}`,
    '',
    ...(evidence
      ? captureWith(incident, action, index, evidence)
      : [
          'No `evidence` block in `policies/settings.ts`, so no capture Job is written. Before the containment syncs, capture by hand:',
          '',
          fence(manualCaptureCommands(action.namespace, action.pod, `evidence/${incident.id}/${action.pod}`)),
        ]),
    ...(snapshots.length > 0
      ? [
          '',
          `VolumeSnapshots${evidence?.volumeSnapshotClassName ? ` (class \`${evidence.volumeSnapshotClassName}\`)` : ' (the default VolumeSnapshotClass of each claim\'s driver)'}, kept when the incident is lifted — delete them deliberately once the investigation is closed:`,
          '',
          ...snapshots,
          '',
          fence([shellCommand(['kubectl', 'get', 'volumesnapshot', '--namespace', action.namespace, '--selector', `${INCIDENT_LABEL}=${incident.id}`])]),
        ]
      : []),
  ].join('\n');
}

/** The proof paragraph of a network action, when the settings enable the enforcement probe. */
export function probeParagraph(incident: Incident, action: NetworkAction, index: number, settings: Settings): string[] {
  const evidence = settings.evidence;
  if (!evidence?.probe.enabled) return [];
  const names = probeNames(incident, index);
  const expect = probeExpectations(action, settings, evidence);
  const selector = Object.entries(actionPodSelector(incident, action)).map(([k, v]) => `${k}=${v}`).join(',');
  const checks = [
    expect.checkIngress ? `ingress to it from \`${evidence.namespace}\` is blocked` : `ingress is not checked (${expect.ingressSkipped})`,
    `egress to the API service${expect.egressTargets.length ? ` and to ${expect.egressTargets.map((t) => `\`${t}\``).join(', ')}` : ''} is blocked (each also tried from the Job, so "blocked" is the policy's doing)${expect.egressAllows.length ? '; the API service is not checked if an allow by CIDR of this action covers its address' : ''}`,
    ...expect.egressSkipped.map((s) => `\`${s.target}\` is not tried: the allow \`${s.allowedBy}\` covers it`),
    expect.dnsExpect === 'resolve' ? `\`${expect.dnsName}\` resolves (profile \`${expect.dnsProfile}\`)` : `\`${expect.dnsName}\` does not resolve (profile \`none\`)`,
  ];
  return [
    '',
    `Proof: after each sync, the Job \`${names.job}\` (Argo CD \`PostSync\` hook) starts the canary \`${names.canary}\` in \`${action.namespace}\`, ${selector ? `labelled \`${inline(selector)}\`` : 'with no selector labels (the whole namespace is contained)'}${action.kind === 'isolatePod' || (action.kind === 'restrictEgress' && action.pod !== undefined) ? ` (the label \`${QUARANTINE_LABEL}\` the suspect gets below)` : ''}, and checks that:`,
    '',
    ...checks.map((c) => `- ${c}`),
    '',
    'Verdict `enforced`, or the Job — and so the sync — fails (`not-enforced`, `dns-broken`, `inconclusive`):',
    '',
    fence([
      shellCommand(['kubectl', 'get', 'configmap', '--namespace', evidence.namespace, names.result, '--output', 'jsonpath={.data.verdict}{"\\n"}{.data.checks}']),
      shellCommand(['kubectl', 'logs', '--namespace', evidence.namespace, `job/${names.job}`]),
    ]),
  ];
}

/** Known limits, once per runbook that has evidence or proof in it. */
export function limitsSection(incident: Incident, settings: Settings): string | undefined {
  const probes = settings.evidence?.probe.enabled && incident.actions.some((a) => a.kind !== 'blockImages' && a.kind !== 'captureEvidence');
  const captures = incident.actions.some((a) => a.kind === 'captureEvidence');
  if (!probes && !captures) return undefined;
  return [
    '## Evidence and proof: limits',
    '',
    ...(captures
      ? [
          '- A pod with `hostNetwork: true` is not isolated by any network policy, and its debug container lists the node\'s sockets, not the pod\'s.',
          '- The `restricted` debug profile runs as non-root: it sees every command line, not other users\' open files or socket owners.',
        ]
      : []),
    ...(probes
      ? [
          '- The canary opens new connections: a CNI that keeps established connections alive after a policy change is not caught — restart or detach the suspect to cut them.',
          '- NodeLocal DNSCache under the `cluster` profile makes DNS fail (`dns-broken`): use `cluster+nodelocal`.',
          '- A target an egress allow by CIDR covers (the API service inside an allowed range, say) is reported `not-checked`: the probe proves what is cut, not what is allowed.',
        ]
      : []),
  ].join('\n');
}
