/** `airlock new <ID> ...`: writes a readable, valid `incidents/<ID>.ts` (never overwriting one). */
import { execFileSync } from 'node:child_process';
import { Command } from 'commander';
import type * as InventoryReader from '../../analysis/inventory';
import type * as PodClaims from '../../kubernetes/pod-claims';
import { UsageError } from '../../errors';
import type { NewIncident, PodTarget, WorkloadTarget } from '../../incident/generate-incident';
import { DNS_PROFILES, SEVERITIES, type DnsProfile, type Severity } from '../../incident/types';
import { createIncident, projectGuardrails, resolvePlaybook } from '../../project/create-incident';
import { output, projectRoot } from '../context';

interface NewOptions {
  readonly isolate: string[];
  readonly isolateWorkload: string[];
  readonly quarantineNamespace: string[];
  readonly blockImage: string[];
  readonly playbook?: string;
  readonly title?: string;
  readonly severity: string;
  readonly dns?: string;
  readonly owner?: string;
  readonly ticket?: string;
  readonly expiresAt?: string;
  readonly openedAt?: string;
  readonly reason?: string;
  readonly override?: string;
  readonly inventory?: string[];
  readonly json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function parsePod(value: string): PodTarget {
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(value);
  if (!m) throw new UsageError(`--isolate "${value}" is not NAMESPACE/POD, e.g. payments/checkout-7d9f8c-x2x4k`);
  return { namespace: m[1], pod: m[2] };
}

function parseWorkload(value: string): WorkloadTarget {
  const colon = value.indexOf(':');
  const hint = 'NAMESPACE:key=value[,key=value], e.g. payments:app=checkout';
  if (colon <= 0) throw new UsageError(`--isolate-workload "${value}" is not ${hint}`);
  const selector: Record<string, string> = {};
  for (const pair of value.slice(colon + 1).split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--isolate-workload "${value}": "${pair}" is not key=value (${hint})`);
    selector[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { namespace: value.slice(0, colon), selector };
}

/**
 * The pods with their claims from the snapshot. A pod the snapshot lacks keeps none, with a warning: the
 * snapshot may be older than the pod, and containment must not wait for a better one.
 */
function withClaims(pods: readonly PodTarget[], inventory: readonly string[]): PodTarget[] {
  const { readManifests } = require('../../analysis/inventory') as typeof InventoryReader;
  const { podClaims } = require('../../kubernetes/pod-claims') as typeof PodClaims;
  const { objects } = readManifests(inventory);
  return pods.map((p) => {
    const volumes = podClaims(objects, p);
    if (volumes === undefined) process.stderr.write(`warning: pod ${p.namespace}/${p.pod} is not in ${inventory.join(', ')}; its volumes are not snapshotted unless you name them\n`);
    return volumes?.length ? { ...p, volumes } : p;
  });
}

/** The `new` command. */
export function newCommand(): Command {
  return new Command('new')
    .description('write a new incident declaration incidents/<ID>.ts (validated; never overwrites)')
    .argument('<ID>', 'incident id, e.g. INC-2026-0142 (letters, digits, "-")')
    .option('--isolate <NS/POD>', 'isolate one pod (repeatable)', collect, [])
    .option('--isolate-workload <NS:key=value,...>', 'isolate every pod with these labels (repeatable)', collect, [])
    .option('--quarantine-namespace <NS>', 'default-deny a whole namespace (repeatable)', collect, [])
    .option('--block-image <REF>', 'block an image at admission; repo@sha256:… is strongest (repeatable)', collect, [])
    .option('--playbook <NAME>', 'apply a playbook from policies/playbooks.ts to every pod and workload target')
    .option('--title <TEXT>', 'one-line title (default: derived from the targets)')
    .option('--severity <LEVEL>', `${SEVERITIES.join(' | ')}`, 'high')
    .option('--dns <PROFILE>', `DNS kept by isolated pods: ${DNS_PROFILES.join(' | ')} (default: the settings' profile)`)
    .option('--owner <WHO>', "person or team that owns the response (default: $USER, else git's user.email)")
    .option('--ticket <REF>', 'ticket or case reference')
    .option('--expires-at <TIMESTAMP>', 'when the containment should be lifted (ISO 8601)')
    .option('--opened-at <TIMESTAMP>', 'when the incident was opened (ISO 8601; default: now)')
    .option('--reason <TEXT>', 'why the images are blocked (default: the title)')
    .option('--override <REASON>', 'contain targets in protected namespaces (guardrails) anyway, for this reason (recorded with their actions)')
    .option('--inventory <path...>', "cluster snapshot (e.g. kubectl get pods -A -o yaml): each --isolate pod's PersistentVolumeClaims go to the playbook, whose evidence capture snapshots them")
    .option('--json', 'print the created incident as JSON')
    .action((id: string, opts: NewOptions, command: Command) => {
      if (!(SEVERITIES as readonly string[]).includes(opts.severity)) throw new UsageError(`--severity is "${opts.severity}"; accepted: ${SEVERITIES.join(', ')}`);
      if (opts.dns !== undefined && !(DNS_PROFILES as readonly string[]).includes(opts.dns)) throw new UsageError(`--dns is "${opts.dns}"; accepted: ${DNS_PROFILES.join(', ')}`);
      if (opts.inventory && !opts.playbook) throw new UsageError('--inventory hands each --isolate pod\'s volumes to a playbook that captures evidence; add --playbook (e.g. isolatePod or cryptominer)');
      const pods = opts.inventory ? withClaims(opts.isolate.map(parsePod), opts.inventory) : opts.isolate.map(parsePod);
      const workloads = opts.isolateWorkload.map(parseWorkload);
      if (pods.length + workloads.length + opts.quarantineNamespace.length + opts.blockImage.length === 0) {
        throw new UsageError('an incident needs at least one action: --isolate, --isolate-workload, --quarantine-namespace or --block-image');
      }
      const root = projectRoot(command);
      const targets = [...pods.map((p) => `${p.namespace}/${p.pod}`), ...workloads.map((w) => w.namespace), ...opts.quarantineNamespace.map((n) => `ns/${n}`)];
      const spec: NewIncident = {
        id,
        title: opts.title ?? `Containment of ${targets.join(', ') || opts.blockImage.join(', ')}`,
        severity: opts.severity as Severity,
        owner: opts.owner ?? defaultOwner(root),
        openedAt: opts.openedAt ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        ...(opts.expiresAt ? { expiresAt: opts.expiresAt } : {}),
        ...(opts.ticket ? { ticket: opts.ticket } : {}),
        ...(opts.dns ? { dns: opts.dns as DnsProfile } : {}),
        ...(opts.reason ? { imageReason: opts.reason } : {}),
        pods,
        workloads,
        namespaces: opts.quarantineNamespace,
        images: opts.blockImage,
      };
      const override = opts.override === undefined ? undefined : overrideFor(root, opts.override, [...pods, ...workloads, ...opts.quarantineNamespace.map((namespace) => ({ namespace }))]);
      const playbook = opts.playbook ? resolvePlaybook(root, opts.playbook, spec) : undefined;
      const incident = createIncident(root, { ...spec, ...(playbook ? { playbook: { name: opts.playbook!, blocksImage: playbook.blocksImage } } : {}), ...(override ? { override } : {}) });
      output(opts.json, { id: incident.id, file: incident.file, actions: incident.actions }, () => `created ${incident.file}; review it, then \`airlock synth\` (or \`airlock propose ${incident.id}\`)\n`);
    });
}

/**
 * The override of `--override REASON`: the targets' namespaces that the guardrails protect. Refused when none
 * is protected, so that an override in the record always means a guardrail was deliberately passed.
 */
function overrideFor(root: string, reason: string, targets: ReadonlyArray<{ readonly namespace: string }>): NonNullable<NewIncident['override']> {
  const { protectedNamespaces } = projectGuardrails(root);
  const namespaces = [...new Set(targets.map((t) => t.namespace).filter((ns) => protectedNamespaces.includes(ns)))];
  if (namespaces.length === 0) throw new UsageError(`--override is for targets in protected namespaces, and none of the targets is in one; protected (policies/guardrails.ts): ${protectedNamespaces.join(', ') || '(none)'}`);
  return { reason, namespaces };
}

/**
 * Who owns a response nobody named: the login ($USER), else the git identity that will author the commit
 * (containers and CI runners often have no $USER; "unknown" tells an auditor nothing).
 */
function defaultOwner(root: string): string {
  if (process.env.USER) return process.env.USER;
  try {
    const email = execFileSync('git', ['config', 'user.email'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (email && !/[\r\n]/.test(email)) return email;
  } catch {
    // No git, or no identity configured.
  }
  return 'unknown';
}
