/**
 * The plan as Markdown: the body of the incident's pull request, so reviewers merge containment with its proof
 * in front of them. A summary table (action, targets, verdict), the blast radius, each action's findings and
 * residual, then per target the reachability before and after and a Mermaid graph of the edges cut (dashed) and
 * remaining (solid).
 *
 * The body must stay readable and under GitHub's size limit on a large cluster, so long lists are capped with a
 * count of what was left out (the JSON output has everything), and targets whose sections would be identical
 * (replicas of one workload) share one section. Every name from the inventory is escaped (plan-escape.ts).
 */
import type { Direction } from './engine';
import { groupResidual, type ActionPlan, type BlockedImageUse, type IncidentPlan, type NetworkActionPlan, type PlanFinding, type PlanTarget } from './plan';
import { formatRange } from './ipset';
import { escapeMarkdown, markdownCode, mermaidLabel } from './plan-escape';
import type { ConnectionSet } from './ports';
import type { ReachChange, ReachPeer } from './reachability';

/** Limits that keep the body readable; the defaults fit GitHub's 65,536-character body for typical plans. */
export interface MarkdownOptions {
  /** Rows per before/after table and per residual table. @default 25 */
  readonly maxRows?: number;
  /** Peers drawn per graph and direction (the rest are drawn as one node). @default 12 */
  readonly maxGraphPeers?: number;
  /** Target sections per action (after merging identical ones). @default 5 */
  readonly maxTargetSections?: number;
  /** Heading level of the plan title (2 = `##`). @default 2 */
  readonly headingLevel?: number;
}

function verdictCell(a: ActionPlan): string {
  if (a.refused) return '⛔ refused';
  if (a.kind === 'admission') {
    const weak = a.findings.filter((f) => f.code === 'weak-image-block').length;
    const pods = new Set(a.running.map((r) => r.pod)).size;
    const notes = [...(weak > 0 ? [`${weak} weaker than digest`] : []), ...(pods > 0 ? [`${pods} running pod${pods === 1 ? '' : 's'} not stopped`] : [])];
    return notes.length > 0 ? `✅ admission (${notes.join(', ')})` : '✅ admission';
  }
  if (a.effective) return '✅ effective';
  const residual = groupResidual(a.residual).length;
  return residual > 0 ? `❌ ineffective (${residual} residual)` : '❌ ineffective (not proven)';
}

function actionCell(a: ActionPlan): string {
  const action = a.action;
  switch (action.kind) {
    case 'isolatePod':
      return `isolatePod ${markdownCode(`${action.namespace}/${action.pod}`)}`;
    case 'isolateWorkload':
      return `isolateWorkload ${markdownCode(action.namespace)} ${markdownCode(labels(action.selector))}`;
    case 'quarantineNamespace':
      return `quarantineNamespace ${markdownCode(action.namespace)}`;
    case 'restrictEgress':
      return action.pod !== undefined ? `restrictEgress ${markdownCode(`${action.namespace}/${action.pod}`)}` : `restrictEgress ${markdownCode(action.namespace)} ${markdownCode(labels(action.selector))}`;
    case 'blockImages':
      return `blockImages (${action.images.length})`;
  }
}

function labels(selector: Readonly<Record<string, string>>): string {
  return Object.keys(selector)
    .sort()
    .map((k) => `${k}=${selector[k]}`)
    .join(',');
}

function list(names: readonly string[], max: number): string {
  if (names.length === 0) return '—';
  const shown = names.slice(0, max).map(markdownCode).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

function findingLine(f: PlanFinding): string {
  const icon = f.refused ? '⛔' : f.severity === 'error' ? '❌' : '⚠️';
  return `- ${icon} ${escapeMarkdown(f.message)}`;
}

function changeOf(c: ReachChange): string {
  if (!c.added.isEmpty()) return c.before.isEmpty() ? 'opened' : 'widened';
  if (c.after.isEmpty()) return 'cut';
  if (!c.removed.isEmpty()) return 'narrowed';
  return 'remains';
}

function conns(set: ConnectionSet): string {
  return set.isEmpty() ? '—' : set.toString();
}

/**
 * Adjacent external ranges with the same before and after, merged: address atoms are cut wherever any policy of
 * the cluster draws a line, which says nothing to a reader of one pod's edges.
 */
function mergeExternal(changes: readonly ReachChange[]): ReachChange[] {
  const external = changes
    .filter((c): c is ReachChange & { peer: Extract<ReachPeer, { kind: 'external' }> } => c.peer.kind === 'external')
    .sort((a, b) => (a.peer.range.family !== b.peer.range.family ? (a.peer.range.family < b.peer.range.family ? -1 : 1) : a.peer.range.first < b.peer.range.first ? -1 : a.peer.range.first > b.peer.range.first ? 1 : 0));
  const merged: ReachChange[] = [];
  for (const c of external) {
    const prev = merged[merged.length - 1];
    if (prev && prev.peer.kind === 'external' && prev.peer.range.family === c.peer.range.family && prev.peer.range.last + 1n === c.peer.range.first && prev.before.equals(c.before) && prev.after.equals(c.after)) {
      const range = { ...prev.peer.range, last: c.peer.range.last };
      merged[merged.length - 1] = { ...prev, peer: { kind: 'external', key: `${formatRange(range)}[External]`, range }, allowedBy: [...prev.allowedBy, ...c.allowedBy] };
    } else merged.push(c);
  }
  return [...changes.filter((c) => c.peer.kind !== 'external'), ...merged];
}

/** Remaining edges first, then cut ones; workloads by name, then addresses in order. */
function ordered(changes: readonly ReachChange[]): ReachChange[] {
  const all = mergeExternal(changes);
  return [...all.filter((c) => !c.after.isEmpty()), ...all.filter((c) => c.after.isEmpty())];
}

function edgeTable(direction: Direction, changes: readonly ReachChange[], maxRows: number): string[] {
  const title = direction === 'ingress' ? '**Ingress** (peers that may connect to the pod)' : '**Egress** (peers the pod may connect to)';
  if (changes.length === 0) return [title, '', 'None before, none after.', ''];
  const rows = ordered(changes);
  const out = [title, '', '| Peer | Before | After | Change |', '| --- | --- | --- | --- |'];
  for (const c of rows.slice(0, maxRows)) out.push(`| ${markdownCode(c.peer.key)} | ${conns(c.before)} | ${conns(c.after)} | ${changeOf(c)} |`);
  const rest = rows.slice(maxRows);
  if (rest.length > 0) {
    const cut = rest.filter((c) => c.after.isEmpty()).length;
    out.push(`| … ${rest.length} more peers | | | ${cut} cut, ${rest.length - cut} remaining |`);
  }
  out.push('');
  return out;
}

/** A Mermaid graph of one target: solid edges remain (labelled with what remains), dashed edges are cut. */
function graph(target: PlanTarget, label: string, maxPeers: number): string[] {
  const lines = ['```mermaid', 'graph LR'];
  lines.push(`  t0["${mermaidLabel(label)}"]`);
  const ids = new Map<string, string>();
  const node = (key: string): string => {
    let id = ids.get(key);
    if (!id) {
      id = `p${ids.size}`;
      ids.set(key, id);
      lines.push(`  ${id}["${mermaidLabel(key)}"]`);
    }
    return id;
  };
  const edge = (direction: Direction, peer: string, label: string, cut: boolean): string => {
    const arrow = cut ? '-.->' : '-->';
    return direction === 'ingress' ? `  ${peer} ${arrow}|"${mermaidLabel(label)}"| t0` : `  t0 ${arrow}|"${mermaidLabel(label)}"| ${peer}`;
  };
  const edges: string[] = [];
  for (const direction of ['ingress', 'egress'] as const) {
    const changes = ordered(target.reachability[direction]);
    const remaining = changes.filter((c) => !c.after.isEmpty());
    const cut = changes.filter((c) => c.after.isEmpty());
    for (const c of remaining.slice(0, maxPeers)) edges.push(edge(direction, node(c.peer.key), c.after.toString(), false));
    for (const c of cut.slice(0, Math.max(0, maxPeers - remaining.length))) edges.push(edge(direction, node(c.peer.key), `cut: ${c.before.toString()}`, true));
    const moreRemaining = Math.max(0, remaining.length - maxPeers);
    const moreCut = cut.length - Math.min(cut.length, Math.max(0, maxPeers - remaining.length));
    if (moreRemaining > 0) edges.push(edge(direction, node(`${moreRemaining} more ${direction} peers (remaining)`), 'remaining', false));
    if (moreCut > 0) edges.push(edge(direction, node(`${moreCut} more ${direction} peers (cut)`), 'cut', true));
  }
  lines.push(...edges, '```', '');
  return lines;
}

function targetBody(target: PlanTarget, label: string, options: Required<MarkdownOptions>): string[] {
  return [...edgeTable('ingress', target.reachability.ingress, options.maxRows), ...edgeTable('egress', target.reachability.egress, options.maxRows), ...graph(target, label, options.maxGraphPeers)];
}

function residualTable(a: NetworkActionPlan, maxRows: number): string[] {
  if (a.residual.length === 0) return [];
  const groups = groupResidual(a.residual);
  const out = ['**Residual**: still allowed after the change, beyond the declared allows.', '', '| Direction | Targets | Peer | Ports | Still allowed by |', '| --- | --- | --- | --- | --- |'];
  for (const r of groups.slice(0, maxRows)) {
    const by = r.rule !== undefined ? `${markdownCode(r.policy)} ${markdownCode(r.rule)}` : markdownCode(r.policy);
    out.push(`| ${r.direction} | ${list(r.targets, 2)} | ${markdownCode(r.peer)} | ${r.ports} | ${by} |`);
  }
  if (groups.length > maxRows) out.push(`| … ${groups.length - maxRows} more | | | | see \`airlock plan --json\` |`);
  out.push('');
  return out;
}

/** The running containers an image block does not stop: what a responder must still delete or isolate. */
function runningTable(running: readonly BlockedImageUse[], maxRows: number): string[] {
  if (running.length === 0) return ['No running pod in the inventory uses a blocked image.', ''];
  const out = ['**Still running** (admission stops only new pods):', '', '| Pod | Workload | Container | Image | Blocked by |', '| --- | --- | --- | --- | --- |'];
  for (const r of running.slice(0, maxRows)) {
    const image = r.digest !== undefined && !r.image.includes('@') ? `${markdownCode(r.image)} (${markdownCode(r.digest)})` : markdownCode(r.image);
    out.push(`| ${markdownCode(r.pod)} | ${markdownCode(r.workload)} | ${markdownCode(r.container)} | ${image} | ${markdownCode(r.entry)} |`);
  }
  if (running.length > maxRows) out.push(`| … ${running.length - maxRows} more | | | | see \`airlock plan --json\` |`);
  out.push('');
  return out;
}

function actionSection(a: ActionPlan, level: number, options: Required<MarkdownOptions>): string[] {
  const h = '#'.repeat(level);
  const out = [`${h} ${a.index}. ${actionCell(a)}: ${verdictCell(a)}`, ''];
  if (a.kind === 'admission') {
    out.push(`Blocks ${a.action.images.length} image reference${a.action.images.length === 1 ? '' : 's'} at admission: ${a.action.images.map(markdownCode).join(', ')}.`, '');
    if (a.findings.length > 0) out.push(...a.findings.map(findingLine), '');
    out.push(...runningTable(a.running, options.maxRows));
    return out;
  }
  const judged = a.restricts.join(' and ');
  out.push(`Judged on ${judged}; DNS profile ${markdownCode(a.dns)}.`, '');
  if (a.findings.length > 0) out.push(...a.findings.map(findingLine), '');
  out.push(...residualTable(a, options.maxRows));
  // Replicas of one workload usually have identical sections (but for their name): render each distinct one once.
  const sections = new Map<string, { names: string[]; target: PlanTarget }>();
  for (const t of a.targets) {
    const signature = targetBody(t, '', options).join('\n');
    const entry = sections.get(signature);
    if (entry) entry.names.push(t.name);
    else sections.set(signature, { names: [t.name], target: t });
  }
  const distinct = [...sections.values()];
  for (const { names, target } of distinct.slice(0, options.maxTargetSections)) {
    const label = names.length > 1 ? `${names[0]} and ${names.length - 1} more` : names[0];
    out.push(`${h}# ${list(names, 5)}`, '', ...targetBody(target, label, options));
  }
  if (distinct.length > options.maxTargetSections) {
    const rest = distinct.slice(options.maxTargetSections).reduce((n, e) => n + e.names.length, 0);
    out.push(`… and ${rest} more targets with different reachability: see \`airlock plan --json\`.`, '');
  }
  return out;
}

function overall(plan: IncidentPlan): string {
  const total = plan.actions.length;
  if (plan.refused) return `⛔ **Refused**: a guardrail refused ${plan.actions.filter((a) => a.refused).length} of ${total} actions.`;
  if (plan.effective) return '✅ **Effective**: every action leaves only the declared allows.';
  const n = plan.actions.filter((a) => !a.effective).length;
  return `❌ **Ineffective**: ${n} of ${total} actions would leave traffic that the incident does not declare, or could not be proven.`;
}

function single(plan: IncidentPlan, options: Required<MarkdownOptions>): string[] {
  const h = '#'.repeat(options.headingLevel);
  const out = [`${h} Airlock plan: ${markdownCode(plan.incident.id)} ${escapeMarkdown(plan.incident.title)}`, '', overall(plan), ''];
  out.push('| # | Action | Targets | Verdict |', '| --: | --- | --- | --- |');
  for (const a of plan.actions) {
    const targets = a.kind === 'network' ? list(a.targets.map((t) => t.name), 3) : list([...new Set(a.running.map((r) => r.pod))], 3);
    out.push(`| ${a.index} | ${actionCell(a)} | ${targets} | ${verdictCell(a)} |`);
  }
  out.push('');
  const network = plan.actions.filter((a): a is NetworkActionPlan => a.kind === 'network');
  if (network.length > 0) {
    out.push(`${h}# Blast radius`, '', '| # | Workload | Pods |', '| --: | --- | --- |');
    for (const a of network) {
      if (a.blastRadius.length === 0) out.push(`| ${a.index} | — | none |`);
      for (const w of a.blastRadius) out.push(`| ${a.index} | ${markdownCode(w.workload)} | ${w.pods.length}: ${list(w.pods, 5)} |`);
    }
    out.push('');
  }
  for (const a of plan.actions) out.push(...actionSection(a, options.headingLevel + 1, options));
  return out;
}

/**
 * The pull-request body for one or more incident plans. Deterministic: the same plans give the same bytes.
 */
export function formatPlanMarkdown(plans: IncidentPlan | readonly IncidentPlan[], options: MarkdownOptions = {}): string {
  const o: Required<MarkdownOptions> = { maxRows: 25, maxGraphPeers: 12, maxTargetSections: 5, headingLevel: 2, ...options };
  const all = Array.isArray(plans) ? (plans as readonly IncidentPlan[]) : [plans as IncidentPlan];
  return `${all.map((p) => single(p, o).join('\n')).join('\n\n---\n\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
