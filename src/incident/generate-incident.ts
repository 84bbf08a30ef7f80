/**
 * Writes the source of a new `incidents/<ID>.ts`, for `airlock new` and the alert intake. Values are rendered
 * as TypeScript string literals with every quote and line break escaped, never spliced into code, so an alert
 * field cannot inject code into the file a reviewer approves.
 */
import type { Labels, Severity, DnsProfile } from './types';

/** A pod by name. */
export interface PodTarget {
  readonly namespace: string;
  readonly pod: string;
  /** Its PersistentVolumeClaims, handed to the playbook (see PlaybookTarget.volumes). @default none known */
  readonly volumes?: readonly string[];
}

/** A workload by labels. */
export interface WorkloadTarget {
  readonly namespace: string;
  readonly selector: Labels;
}

/** What the new incident declares. */
export interface NewIncident {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly owner: string;
  /** ISO timestamp; the caller decides the clock. */
  readonly openedAt: string;
  readonly expiresAt?: string;
  readonly ticket?: string;
  readonly summary?: string;
  readonly alerts?: readonly string[];
  readonly dns?: DnsProfile;
  readonly pods?: readonly PodTarget[];
  readonly workloads?: readonly WorkloadTarget[];
  readonly namespaces?: readonly string[];
  readonly images?: readonly string[];
  /** Why the images are blocked. @default the title */
  readonly imageReason?: string;
  /** A playbook applied to every pod and workload target, by its export name in `policies/playbooks.ts`. */
  readonly playbook?: { readonly name: string; readonly blocksImage: boolean };
  /**
   * Why the targets in `namespaces` (protected by the guardrails) must be contained anyway: their actions are
   * wrapped in `overrideGuardrails(reason, …)`. @default none: a protected namespace is refused
   */
  readonly override?: { readonly reason: string; readonly namespaces: readonly string[] };
}

/** A TypeScript string literal in single quotes. */
export function tsString(value: string): string {
  const escaped = value.replace(/[\\'\u0000-\u001f\u2028\u2029\u007f]/g, (ch) => {
    switch (ch) {
      case '\\':
        return '\\\\';
      case "'":
        return "\\'";
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  });
  return `'${escaped}'`;
}

/** An object literal on one line: `{ namespace: 'a', pod: 'b' }`; keys are quoted unless plain identifiers. */
export function tsObject(entries: ReadonlyArray<readonly [string, string]>): string {
  const key = (k: string): string => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : tsString(k));
  return `{ ${entries.map(([k, v]) => `${key(k)}: ${v}`).join(', ')} }`;
}

function labels(selector: Labels): string {
  return tsObject(Object.entries(selector).map(([k, v]) => [k, tsString(v)] as const));
}

/** The source text of the incident file. */
export function generateIncidentSource(spec: NewIncident): string {
  const api = new Set<string>(['defineIncident']);
  const actions: string[] = [];
  const dns = spec.dns ? ([['dns', tsString(spec.dns)]] as const) : [];
  const playbook = spec.playbook;
  const images = spec.images ?? [];
  const imageIntoPlaybook = playbook?.blocksImage && images.length === 1 ? images[0] : undefined;
  const imageEntry = imageIntoPlaybook ? ([['image', tsString(imageIntoPlaybook)]] as const) : [];

  const override = spec.override;
  /** One target's action(s) as an array element: spread when a playbook gives several, wrapped when overridden. */
  const push = (namespace: string, call: string, spread: boolean): void => {
    if (!override?.namespaces.includes(namespace)) return void actions.push(spread ? `...${call}` : call);
    api.add('overrideGuardrails');
    actions.push(`...overrideGuardrails(${tsString(override.reason)}, ${spread ? call : `[${call}]`})`);
  };
  for (const t of spec.pods ?? []) {
    const target: Array<readonly [string, string]> = [['namespace', tsString(t.namespace)], ['pod', tsString(t.pod)]];
    const volumes = t.volumes?.length ? ([['volumes', `[${t.volumes.map(tsString).join(', ')}]`]] as const) : [];
    if (playbook) push(t.namespace, `${playbook.name}(${tsObject([...target, ...imageEntry, ...volumes])})`, true);
    else push(t.namespace, `isolate(${tsObject([...target, ...dns])})`, false);
  }
  for (const t of spec.workloads ?? []) {
    const target: Array<readonly [string, string]> = [['namespace', tsString(t.namespace)], ['selector', labels(t.selector)]];
    if (playbook) push(t.namespace, `${playbook.name}(${tsObject([...target, ...imageEntry])})`, true);
    else push(t.namespace, `isolate(${tsObject([...target, ...dns])})`, false);
  }
  if (!playbook && actions.length > 0) api.add('isolate');
  for (const ns of spec.namespaces ?? []) {
    api.add('quarantineNamespace');
    push(ns, `quarantineNamespace(${tsObject([['namespace', tsString(ns)], ...dns])})`, false);
  }
  const playbookTargets = (spec.pods?.length ?? 0) + (spec.workloads?.length ?? 0);
  if (images.length > 0 && !(imageIntoPlaybook && playbookTargets > 0)) {
    api.add('blockImages');
    actions.push(`blockImages({\n      images: [${images.map(tsString).join(', ')}],\n      reason: ${tsString(spec.imageReason ?? spec.title)},\n    })`);
  }

  const fields: string[] = [
    `id: ${tsString(spec.id)}`,
    `title: ${tsString(spec.title)}`,
    `severity: ${tsString(spec.severity)}`,
    `status: 'active'`,
    `openedAt: ${tsString(spec.openedAt)}`,
    ...(spec.expiresAt ? [`expiresAt: ${tsString(spec.expiresAt)}`] : []),
    `owner: ${tsString(spec.owner)}`,
    ...(spec.ticket ? [`ticket: ${tsString(spec.ticket)}`] : []),
    ...(spec.summary ? [`summary: ${tsString(spec.summary)}`] : []),
    ...(spec.alerts?.length ? [`alerts: [${spec.alerts.map(tsString).join(', ')}]`] : []),
    `actions: [\n${actions.map((a) => `    ${a},`).join('\n')}\n  ]`,
  ];
  const imports = [`import { ${[...api].sort().join(', ')} } from '../src';`];
  if (playbook) imports.push(`import { ${playbook.name} } from '../policies/playbooks';`);
  return `${imports.join('\n')}\n\nexport default defineIncident({\n${fields.map((f) => `  ${f},`).join('\n')}\n});\n`;
}
