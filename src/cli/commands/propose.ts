/** `airlock propose`, `airlock lift` and `airlock expire`: containment and its lifting, delivered through git. */
import { Command } from 'commander';
import { UsageError } from '../../errors';
import { isPastExpiry } from '../../incident/expiry';
import { parseTimestamp, TIMESTAMP_HINT } from '../../incident/timestamp';
import type * as InventoryLoader from '../../analysis/inventory';
import type * as ProjectLoader from '../../project/load-project';
import type * as SetStatus from '../../project/set-incident-status';
import type * as Propose from '../../workflow/propose-incident';
import type { ProposedIncident } from '../../workflow/propose-incident';
import type { ProposeEvent } from '../../git/repository';
import { output, projectRoot } from '../context';

interface DeliveryOptions {
  readonly direct?: boolean;
  readonly reason?: string;
  readonly remote?: string;
  readonly base?: string;
  readonly inventory?: string[];
  readonly json?: boolean;
}

function withDeliveryOptions(command: Command): Command {
  return command
    .option('--direct', 'break-glass: commit straight to the base branch (needs --reason), skipping review')
    .option('--remote <name>', 'git remote (default: settings.git.remote, "origin")')
    .option('--base <branch>', 'branch the GitOps controller reconciles (default: settings.git.base, "main")')
    .option('--json', 'print the result as JSON');
}

function progress(json: boolean | undefined): ((event: ProposeEvent) => void) | undefined {
  if (json) return undefined;
  return (event) => {
    if (event.kind === 'rejected') process.stderr.write(`push rejected (${event.reason}); retrying in ${event.retryInMs} ms after a rebase\n`);
  };
}

function report(p: ProposedIncident): Record<string, unknown> {
  return {
    incident: p.incident.id,
    action: p.action,
    subject: p.subject,
    branch: p.git.branch,
    commit: p.git.commit,
    pushed: p.git.pushed,
    unchanged: p.git.unchanged,
    ...(p.git.alreadyOn ? { alreadyOn: p.git.alreadyOn } : {}),
    attempts: p.git.attempts,
    ...(p.changeRequest ? { changeRequest: p.changeRequest } : {}),
    ...(p.notified ? { notified: p.notified } : {}),
  };
}

function human(p: ProposedIncident): string {
  if (p.git.unchanged) return `${p.incident.id}: ${p.git.remote}/${p.git.alreadyOn ?? p.git.branch} already has this ${p.action}; nothing committed\n${p.changeRequest ? `  ${p.changeRequest.url}\n` : ''}`;
  const where = p.git.mode === 'direct' ? `${p.git.remote}/${p.git.branch} (break-glass)` : `${p.git.remote}/${p.git.branch}`;
  const request = p.changeRequest ? `\n  ${p.changeRequest.created ? 'opened' : 'updated'} ${p.changeRequest.url}` : '';
  const notified = (p.notified ?? []).map((n) => (n.ok ? `\n  ${n.controller} told to reconcile now` : `\n  warning: ${n.controller} was not told to reconcile (${n.error ?? `HTTP ${n.status}`}); it applies at its next poll`));
  return `${p.incident.id}: pushed ${p.git.commit.slice(0, 12)} to ${where}\n  ${p.subject}${request}${notified.join('')}\n`;
}

function loadModules(): { proposeIncident: typeof Propose.proposeIncident; loadClusterSnapshot: typeof InventoryLoader.loadClusterSnapshot } {
  // Loaded on use: git and analysis are not needed for other commands.
  return {
    proposeIncident: (require('../../workflow/propose-incident') as typeof Propose).proposeIncident,
    loadClusterSnapshot: (require('../../analysis/inventory') as typeof InventoryLoader).loadClusterSnapshot,
  };
}

/** The options every delivery command passes on: break-glass, remote, base and progress. */
function delivery(opts: DeliveryOptions, what: string): Pick<Propose.ProposeIncidentOptions, 'direct' | 'remote' | 'base' | 'onEvent' | 'stageInCheckout'> {
  if (opts.direct && !opts.reason?.trim()) throw new UsageError(`--direct skips review, so it needs --reason "why this ${what} cannot wait"`);
  const onEvent = progress(opts.json);
  return {
    ...(opts.direct ? { direct: { reason: opts.reason! } } : {}),
    ...(opts.remote ? { remote: opts.remote } : {}),
    ...(opts.base ? { base: opts.base } : {}),
    ...(onEvent ? { onEvent } : {}),
    // The responder's checkout: a review branch's files are staged so `git pull` of the merged PR works.
    stageInCheckout: true,
  };
}

/** `airlock propose <ID>`. */
export function proposeCommand(): Command {
  return withDeliveryOptions(
    new Command('propose')
      .description('synthesize an incident, commit only its files with Airlock trailers, push branch airlock/<id> and open or update its pull request')
      .argument('<ID>', 'incident id')
      .option('--reason <text>', 'with --direct: why review is skipped (recorded as Airlock-Break-Glass)')
      .option('--inventory <path...>', 'cluster snapshot: the pull request body becomes the full plan'),
  ).action(async (id: string, opts: DeliveryOptions, command: Command) => {
    const { proposeIncident, loadClusterSnapshot } = loadModules();
    const proposed = await proposeIncident({
      root: projectRoot(command),
      id,
      ...delivery(opts, 'containment'),
      ...(opts.inventory?.length ? { inventory: loadClusterSnapshot(opts.inventory) } : {}),
    });
    output(opts.json, report(proposed), () => human(proposed));
  });
}

/** `airlock lift <ID> --reason TEXT`. */
export function liftCommand(): Command {
  return withDeliveryOptions(
    new Command('lift')
      .description("mark an incident lifted (status: 'lifted'), remove its manifests from dist/ and propose that as a commit (Airlock-Action: lift)")
      .argument('<ID>', 'incident id')
      .requiredOption('--reason <text>', 'why the containment can be lifted (in the commit message; with --direct also the break-glass reason)'),
  ).action(async (id: string, opts: DeliveryOptions, command: Command) => {
    const root = projectRoot(command);
    const { loadProject } = require('../../project/load-project') as typeof ProjectLoader;
    const { setIncidentStatus } = require('../../project/set-incident-status') as typeof SetStatus;
    const project = loadProject(root);
    const incident = project.incidents.find((i) => i.slug === id.toLowerCase());
    if (!incident) throw new UsageError(`no incident "${id}" in incidents/; accepted: ${project.incidents.map((i) => i.id).join(', ') || '(none)'}`);
    if (incident.status === 'active') setIncidentStatus(root, incident, 'lifted', { guardrails: project.guardrails, clusters: project.settings.clusters.map((c) => c.name) });
    const { proposeIncident } = loadModules();
    const proposed = await proposeIncident({
      root,
      id,
      liftReason: opts.reason!,
      ...delivery(opts, 'lift'),
    });
    output(opts.json, report(proposed), () => human(proposed));
  });
}

/** `airlock expire [--now TIMESTAMP]`. */
export function expireCommand(): Command {
  return withDeliveryOptions(
    new Command('expire')
      .description('propose a lift for every active incident whose expiresAt has passed')
      .option('--now <timestamp>', 'the time to compare expiresAt with (ISO 8601; default: now)')
      .option('--reason <text>', 'with --direct: why review is skipped'),
  ).action(async (opts: DeliveryOptions & { now?: string }, command: Command) => {
    const now = opts.now === undefined ? Date.now() : parseTimestamp(opts.now);
    if (now === undefined) throw new UsageError(`--now is "${opts.now}"; accepted: ${TIMESTAMP_HINT}`);
    const root = projectRoot(command);
    const { loadProject } = require('../../project/load-project') as typeof ProjectLoader;
    const { setIncidentStatus } = require('../../project/set-incident-status') as typeof SetStatus;
    const project = loadProject(root);
    const expired = project.incidents.filter((i) => isPastExpiry(i, now));
    const { proposeIncident } = loadModules();
    const results: Array<Record<string, unknown>> = [];
    let text = expired.length === 0 ? 'no active incident has expired\n' : '';
    // One at a time: each lift is its own commit and pull request, reviewed on its own.
    for (const incident of expired) {
      setIncidentStatus(root, incident, 'lifted', { guardrails: project.guardrails, clusters: project.settings.clusters.map((c) => c.name) });
      const proposed = await proposeIncident({
        root,
        id: incident.id,
        liftReason: `expired at ${incident.expiresAt}`,
        ...delivery(opts, 'lift'),
      });
      results.push(report(proposed));
      text += human(proposed);
    }
    output(opts.json, results, () => text);
  });
}
