/**
 * The incident's runbook (`dist/<id>/RUNBOOK.md`): the explicit, logged steps that manifests cannot take —
 * keep the evidence, apply the quarantine label to the live pod, verify, and lift. Every command is built from
 * validated values and shell-quoted word by word; nothing is interpolated into a command string.
 */
import { QUARANTINE_LABEL, type Action, type Incident, type NetworkAction } from '../incident/types';
import type { Settings } from '../settings/settings';
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

function evidenceSteps(namespace: string, pod: string, dir: string): string[] {
  const k = (...args: string[]): string => shellCommand(['kubectl', ...args]);
  return [
    shellCommand(['mkdir', '-p', dir]),
    `${k('get', 'pod', '--namespace', namespace, pod, '--output', 'yaml')} > ${shellCommand([`${dir}/pod.yaml`])}`,
    `${k('logs', '--namespace', namespace, pod, '--all-containers', '--prefix', '--timestamps')} > ${shellCommand([`${dir}/logs.txt`])}`,
    `${k('logs', '--namespace', namespace, pod, '--all-containers', '--prefix', '--timestamps', '--previous')} > ${shellCommand([`${dir}/logs-previous.txt`])} || true`,
    `${k('get', 'events', '--namespace', namespace, '--field-selector', `involvedObject.name=${pod}`, '--output', 'yaml')} > ${shellCommand([`${dir}/events.yaml`])}`,
    `sha256sum ${shellCommand([dir])}/* > ${shellCommand([`${dir}/SHA256SUMS`])}`,
  ];
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
  const policy = `\`${isolationPolicyName(incident, action, index)}\` (${settings.backend} backend)`;
  const dns = dnsNote(action, settings);
  const labelPod = (pod: string): string[] => [
    `Evidence first — capture before the pod changes or goes:`,
    '',
    code(evidenceSteps(action.namespace, pod, `evidence/${incident.id}/${pod}`)),
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
      return [`## ${n}. Isolate pod ${inline(action.namespace)}/${inline(action.pod)}`, '', `Policy ${policy}: ingress and egress denied except DNS and the declared allows.`, dns, '', ...labelPod(action.pod)].join('\n');
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
      ].join('\n');
    }
    case 'quarantineNamespace':
      return [
        `## ${n}. Quarantine namespace ${inline(action.namespace)}`,
        '',
        `Policy ${policy}: default-deny for every pod in the namespace, new pods included. ${dns}`,
        '',
        code([shellCommand(['kubectl', 'get', 'pods', '--namespace', action.namespace, '--output', 'wide'])]),
      ].join('\n');
    case 'restrictEgress': {
      const head = `## ${n}. Restrict egress of ${inline(action.namespace)}/${inline(action.pod ?? Object.entries(action.selector).map(([k, v]) => `${k}=${v}`).join(','))}`;
      const body = `Policy ${policy}: egress limited to the declared allows; ingress untouched. ${dns}`;
      return [head, '', body, ...(action.pod !== undefined ? ['', ...labelPod(action.pod)] : [])].join('\n');
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
    liftSection(incident),
    '',
  ].join('\n');
}
