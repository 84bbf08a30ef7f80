/**
 * The audit timeline: per incident, when it was proposed, when it landed on the base branch (the moment the
 * GitOps controller could apply it), who did what, which steps skipped review, which commits were unsigned,
 * and the time to contain (incident opened → containment landed). Read from history only, so an auditor can
 * rebuild it from any clone.
 */
import { auditLog, type AuditEntry, type SignatureStatus } from './audit';
import { openWorkTree, type Git } from './runner';
import type { AirlockAction } from './trailers';

/** One step of an incident's life. */
export interface TimelineEvent {
  readonly action: AirlockAction | 'unknown';
  readonly commit: string;
  /** When the step was made (author date). */
  readonly at: string;
  /** When it reached the base branch (committer date of the first-parent commit that brought it in). */
  readonly landedAt?: string;
  readonly author: string;
  readonly subject: string;
  readonly breakGlass?: string;
  readonly alerts: readonly string[];
  readonly signature?: SignatureStatus;
}

/** One incident's history. */
export interface IncidentTimeline {
  readonly incident: string;
  readonly severity?: string;
  /** Oldest first. */
  readonly events: readonly TimelineEvent[];
  /** When the incident says it was opened (`openedAt` in its file), when the history holds it. */
  readonly openedAt?: string;
  /** First containment (`contain`) on the base branch. */
  readonly containedAt?: string;
  /** Last lift on the base branch. */
  readonly liftedAt?: string;
  /** openedAt → containedAt, in milliseconds. */
  readonly timeToContainMs?: number;
  /** Steps that skipped review. */
  readonly breakGlass: number;
  /** Commits not signed with a good signature (only counted when signatures were verified). */
  readonly unsigned: number;
}

/** Options of {@link auditTimeline}. */
export interface TimelineOptions {
  readonly cwd: string;
  /** The base branch as it is on the remote, e.g. `origin/main`. @default 'HEAD' */
  readonly ref?: string;
  readonly incident?: string;
  /** Only commits made at or after this instant (see AuditOptions.since). */
  readonly since?: Date;
  /** Verify commit signatures and count the unsigned ones. @default false */
  readonly requireSignatures?: boolean;
}

/** Landing time of every commit reachable from `ref`: the first-parent commit that brought it in. */
async function landingTimes(git: Git, ref: string): Promise<Map<string, string>> {
  const landed = new Map<string, string>();
  const out = await git.run(['log', '--first-parent', '--format=%H %cI %P', '--end-of-options', ref, '--']);
  for (const line of out.split('\n').filter(Boolean)) {
    const [commit, at, first, ...merged] = line.split(' ');
    landed.set(commit, at);
    for (const side of merged) {
      const brought = await git.run(['rev-list', '--end-of-options', side, `^${first}`, '--']);
      for (const c of brought.split('\n').filter(Boolean)) if (!landed.has(c)) landed.set(c, at);
    }
  }
  return landed;
}

async function openedAt(git: Git, commit: string, incident: string): Promise<string | undefined> {
  const file = await git.attempt(['show', `${commit}:incidents/${incident}.ts`], { quiet: true });
  if (file.exitCode !== 0) return undefined;
  return /\bopenedAt\s*:\s*['"]([^'"]+)['"]/.exec(file.stdout)?.[1];
}

function event(e: AuditEntry, landed: Map<string, string>): TimelineEvent {
  return {
    action: e.action,
    commit: e.commit,
    at: e.date,
    ...(landed.has(e.commit) ? { landedAt: landed.get(e.commit)! } : {}),
    author: `${e.author.name} <${e.author.email}>`,
    subject: e.subject,
    ...(e.breakGlass ? { breakGlass: e.breakGlass } : {}),
    alerts: e.alerts,
    ...(e.signature ? { signature: e.signature } : {}),
  };
}

/** Every incident's timeline, incidents ordered by their first event. */
export async function auditTimeline(options: TimelineOptions): Promise<IncidentTimeline[]> {
  const ref = options.ref ?? 'HEAD';
  const entries = await auditLog({
    cwd: options.cwd,
    ref,
    ...(options.incident ? { incident: options.incident } : {}),
    ...(options.since ? { since: options.since } : {}),
    ...(options.requireSignatures ? { verifySignatures: true } : {}),
  });
  if (entries.length === 0) return [];
  const git = await openWorkTree(options.cwd);
  const landed = await landingTimes(git, ref);
  const byIncident = new Map<string, AuditEntry[]>();
  for (const e of [...entries].reverse()) byIncident.set(e.incident, [...(byIncident.get(e.incident) ?? []), e]);
  const timelines: IncidentTimeline[] = [];
  for (const [incident, list] of byIncident) {
    const events = list.map((e) => event(e, landed));
    const contain = events.find((e) => e.action === 'contain' && e.landedAt);
    const lift = [...events].reverse().find((e) => e.action === 'lift' && e.landedAt);
    const opened = contain ? await openedAt(git, contain.commit, incident) : undefined;
    const ttc = opened && contain?.landedAt ? Date.parse(contain.landedAt) - Date.parse(opened) : undefined;
    timelines.push({
      incident,
      ...(list.at(-1)?.severity ? { severity: list.at(-1)!.severity } : {}),
      events,
      ...(opened ? { openedAt: opened } : {}),
      ...(contain?.landedAt ? { containedAt: contain.landedAt } : {}),
      ...(lift?.landedAt ? { liftedAt: lift.landedAt } : {}),
      ...(ttc !== undefined && !Number.isNaN(ttc) ? { timeToContainMs: ttc } : {}),
      breakGlass: events.filter((e) => e.breakGlass).length,
      unsigned: options.requireSignatures ? events.filter((e) => e.signature !== 'good' && e.signature !== 'good-unknown-validity').length : 0,
    });
  }
  return timelines;
}
