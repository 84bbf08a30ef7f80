/**
 * The incident's runbook (`dist/<id>/RUNBOOK.md`): the explicit, logged steps that manifests cannot take —
 * keep the evidence (or read what the capture Job kept), apply the quarantine label to the live pod, read the
 * enforcement probe's verdict, and lift. Every command is built from
 * validated values and shell-quoted word by word; nothing is interpolated into a command string.
 */
import { QUARANTINE_LABEL, type Action, type Incident, type NetworkAction } from '../incident/types';
import type { Settings } from '../settings/settings';
import { captureActionFor, captureSection, limitsSection, manualCaptureCommands, probeParagraph } from './evidence/runbook-sections';
import { isolationPolicyName } from './isolation-policy';
import { shellCommand } from './shell-quote';

/** File name of the runbook inside the incident's folder. */
export const RUNBOOK_FILE = 'RUNBOOK.md';

function code(lines: readonly string[]): string {
  return ['```sh', ...lines, '```'].join('\n');
}

/** Text that never breaks out of a Markdown table cell or heading. */
function inline(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/([\\`*_{}[\]<>|#])/g, '\\$1');
}

function dnsNote(action: NetworkAction, settings: Settings): string {
  const profile = action.dns ?? settings.dns.defaultProfile;
  if (profile === 'none') return 'DNS: none — the pods cannot resolve names.';
  return `DNS: \`${profile}\` stays open. DNS can carry data out (tunnelling); watch the DNS logs for this pod, or use \`dns: 'none'\`.`;
}

function actionSection(incident: Incident, action: Action, index: number, settings: Settings): string {
  const n = index + 1;
  if (action.kind === 'blockImages') {
    return [
      `## ${n}. Block images at admission`,
      '',
      `Reason: ${inline(action.reason)}`,
      '',
      ...action.images.map((image) => `- \`${image}\`${image.includes('@') ? '' : ' — by tag or repository: weaker than by digest (a re-tag or a push elsewhere passes)'}`),
      '',
      'New Pods, workload templates and `kubectl debug` sessions that use these images are refused once the blocklist is synced. Running pods are not touched: isolate them too.',
    ].join('\n');
  }
  if (action.kind === 'captureEvidence') return captureSection(incident, action, index, settings);
  const policy = `\`${isolationPolicyName(incident, action, index)}\` (${settings.backend} backend)`;
  const dns = dnsNote(action, settings);
  const proof = probeParagraph(incident, action, index, settings);
  const evidenceFirst = (pod: string): string[] => {
    const capture = captureActionFor(incident, action.namespace, pod);
    if (capture === undefined) return [`Evidence first — capture before the pod changes or goes:`, '', code(manualCaptureCommands(action.namespace, pod, `evidence/${incident.id}/${pod}`, settings.evidence ? { image: settings.evidence.image, profile: settings.evidence.debugProfile } : undefined))];
    return [settings.evidence ? `Evidence first: action ${capture + 1} captures it before the containment is applied.` : `Evidence first: capture it by hand as action ${capture + 1} says, before the manifests are synced.`];
  };
  const labelPod = (pod: string): string[] => [
    ...evidenceFirst(pod),
    '',
    `Then, once the manifests are synced (the policy selects \`${QUARANTINE_LABEL}=${incident.id}\`, which no pod carries yet), apply the quarantine label to the live pod. This is the step that contains it. \`airlock label\` does it and records it in git${action.kind === 'isolatePod' && action.detach ? '; it also detaches the pod from its ReplicaSet and Services (their selector labels move to an annotation), so a healthy replacement starts and the evidence keeps running' : ''}:`,
    '',
    code([shellCommand(['npx', 'airlock', 'label', incident.id, '--dry-run']), shellCommand(['npx', 'airlock', 'label', incident.id])]),
    '',
    'Or by hand:',
    '',
    code([shellCommand(['kubectl', 'label', 'pod', '--namespace', action.namespace, pod, `${QUARANTINE_LABEL}=${incident.id}`])]),
    '',
    'Verify that exactly this pod carries the label:',
    '',
    code([shellCommand(['kubectl', 'get', 'pods', '--namespace', action.namespace, '--selector', `${QUARANTINE_LABEL}=${incident.id}`])]),
  ];
  switch (action.kind) {
    case 'isolatePod':
      return [`## ${n}. Isolate pod ${inline(action.namespace)}/${inline(action.pod)}`, '', `Policy ${policy}: ingress and egress denied except DNS and the declared allows.`, dns, ...proof, '', ...labelPod(action.pod)].join('\n');
    case 'isolateWorkload': {
      const selector = Object.entries(action.selector).map(([k, v]) => `${k}=${v}`).join(',');
      return [
        `## ${n}. Isolate workload ${inline(action.namespace)}/${inline(selector)}`,
        '',
        `Policy ${policy}: every pod carrying these labels, replicas and lookalikes included, is isolated as soon as the policy is synced. ${dns}`,
        '',
        'The pods it catches now (blast radius; `airlock plan` lists them from the inventory):',
        '',
        code([shellCommand(['kubectl', 'get', 'pods', '--namespace', action.namespace, '--selector', selector, '--output', 'wide'])]),
        ...proof,
      ].join('\n');
    }
    case 'quarantineNamespace':
      return [
        `## ${n}. Quarantine namespace ${inline(action.namespace)}`,
        '',
        `Policy ${policy}: default-deny for every pod in the namespace, new pods included. ${dns}`,
        '',
        code([shellCommand(['kubectl', 'get', 'pods', '--namespace', action.namespace, '--output', 'wide'])]),
        ...proof,
      ].join('\n');
    case 'restrictEgress': {
      const head = `## ${n}. Restrict egress of ${inline(action.namespace)}/${inline(action.pod ?? Object.entries(action.selector).map(([k, v]) => `${k}=${v}`).join(','))}`;
      const body = `Policy ${policy}: egress limited to the declared allows; ingress untouched. ${dns}`;
      return [head, '', body, ...proof, ...(action.pod !== undefined ? ['', ...labelPod(action.pod)] : [])].join('\n');
    }
  }
}

function liftSection(incident: Incident): string {
  const pods = incident.actions.flatMap((a) => (a.kind === 'isolatePod' || (a.kind === 'restrictEgress' && a.pod !== undefined) ? [{ namespace: a.namespace, pod: a.pod! }] : []));
  return [
    '## Lift',
    '',
    'Lifting is a reviewed commit that removes these manifests; the GitOps controller prunes them.',
    '',
    code([
      shellCommand(['npx', 'airlock', 'lift', incident.id, '--reason', 'contained and investigated']),
      ...(pods.length > 0 ? [shellCommand(['npx', 'airlock', 'label', incident.id, '--restore'])] : []),
    ]),
  ].join('\n');
}

/** The runbook text: deterministic, built only from the incident, the settings and the cluster it is for. */
export function runbook(incident: Incident, settings: Settings, cluster?: string): string {
  const facts = [
    ...(cluster ? [`| Cluster | ${cluster} |`] : []),
    `| Severity | ${incident.severity} |`,
    `| Owner | ${inline(incident.owner)} |`,
    `| Opened | ${incident.openedAt} |`,
    ...(incident.expiresAt ? [`| Expires | ${incident.expiresAt} |`] : []),
    ...(incident.ticket ? [`| Ticket | ${inline(incident.ticket)} |`] : []),
    ...(incident.alerts?.length ? [`| Alerts | ${incident.alerts.map(inline).join(', ')} |`] : []),
  ];
  return [
    `# ${incident.id}: ${inline(incident.title)}`,
    '',
    `Generated by airlock from \`${incident.file}\`; do not edit (re-run \`airlock synth\`).`,
    '',
    '| | |',
    '|---|---|',
    ...facts,
    ...(incident.summary ? ['', inline(incident.summary)] : []),
    '',
    ...incident.actions.flatMap((a, i) => [actionSection(incident, a, i, settings), '']),
    ...[limitsSection(incident, settings)].flatMap((section) => (section ? [section, ''] : [])),
    liftSection(incident),
    '',
  ].join('\n');
}
