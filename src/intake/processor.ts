/**
 * From an alert to a proposed incident. The HTTP layer hands every alert to {@link IntakeProcessor.accept},
 * which decides synchronously — match, validate the target, dedup, choose the incident id, journal — and
 * returns at once with the decision and a promise of the proposal. Decisions are synchronous so two alerts on
 * the same pod, however close together, can never both open an incident: the event loop orders them, and the
 * second finds the first in the index.
 *
 * The git work (write or edit `incidents/<ID>.ts`, synthesize, commit, push) runs one proposal at a time for
 * the repository, in a {@link CoalescingQueue} keyed by incident: alerts on a target whose proposal is still
 * waiting join it, so a burst becomes one commit listing every alert id, not a commit per alert.
 *
 * Dedup is by target — namespace, pod or workload labels, playbook — never by the alert's text: the same pod
 * alerted by two rules that apply the same playbook is one incident; a changed command line in Falco's output
 * does not make a new one. Within the rules' window after an incident opened, alerts on its target are added
 * to its `alerts`; after the window, or once it is lifted, the next alert opens a new incident.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatProblems, type Problem } from '../errors';
import type { ForgeCallOptions } from '../git/forge';
import { backoffDelay, retryPolicy, type RetryOptions, type RetryPolicy } from '../git/backoff';
import type { NewIncident } from '../incident/generate-incident';
import type { Playbook } from '../incident/playbook';
import type { Incident } from '../incident/types';
import { INCIDENTS_DIR } from '../project/load-project';
import type { Guardrails } from '../settings/settings';
import { reviveAlert, type Alert, type AlertReceiver } from './alert';
import { ALERT_INCIDENT_ID, alertIncidentStem, buildIncidentSpec, precheckIncident } from './incident-spec';
import type { Journal } from './journal';
import { matchAlert } from './match';
import type { IntakeMetrics } from './metrics';
import type { AlertRules } from './rules';
import { resolveTarget, targetLocus, type AlertTarget } from './target';
import { CoalescingQueue } from './work-queue';
import type * as Writer from './writer';
import type { Delivered, WriterConfig, WriterJob, WriterResult } from './writer';
import { WriterThread } from './writer-thread';

/** Default bound of the proposal queue (incidents waiting or running). */
export const DEFAULT_QUEUE_LIMIT = 1000;

/** How a proposal ended; what `?wait=1` answers and what the logs and metrics record. */
export type ProposalOutcome =
  | ({
      readonly ok: true;
      readonly incident: string;
      /** Alert ids this proposal added. */
      readonly alerts: readonly string[];
    } & Delivered)
  | {
      readonly ok: false;
      readonly incident: string;
      readonly alerts: readonly string[];
      /**
       * `invalid`: the incident or project failed validation; `git`: delivery failed; `internal`: a bug. Unless
       * the incident was refused before its file existed, its alerts stay journalled and are retried while
       * running (with backoff) and at the next start.
       */
      readonly errorKind: 'invalid' | 'git' | 'internal';
      readonly error: string;
    };

/** Why a matched alert was refused, as the HTTP status it is answered with. */
export type RejectionCode = 'invalid' | 'protected-namespace' | 'queue-full';

/** The decision on one alert. */
export type AlertOutcome =
  | { readonly status: 'resolved'; readonly alert: string }
  | { readonly status: 'unmatched'; readonly alert: string; readonly reasons: readonly string[] }
  | { readonly status: 'rejected'; readonly alert: string; readonly rule: string; readonly code: RejectionCode; readonly field?: string; readonly reason: string }
  | {
      readonly status: 'accepted';
      readonly alert: string;
      readonly rule: string;
      readonly incident: string;
      /** `created`: a new incident; `updated`: added to an open one; `duplicate`: already recorded (or the incident's alert list is full). */
      readonly disposition: 'created' | 'updated' | 'duplicate';
      readonly mode: 'branch' | 'break-glass';
      /**
       * Settles when the proposal that records this alert has ended; never rejects. Undefined for a duplicate
       * when no proposal of its incident is pending in this process (it was recorded and proposed before).
       */
      readonly done?: Promise<ProposalOutcome>;
    };

/** What the processor reports, for structured logs. Alert text never appears: ids, names and validated values only. */
export type IntakeEvent =
  | { readonly kind: 'accepted'; readonly source: AlertReceiver; readonly alert: string; readonly rule: string; readonly incident: string; readonly disposition: string; readonly mode: string }
  | { readonly kind: 'unmatched'; readonly source: AlertReceiver; readonly alert: string }
  | { readonly kind: 'rejected'; readonly source: AlertReceiver; readonly alert: string; readonly code: RejectionCode; readonly reason: string }
  | ({ readonly kind: 'proposed'; readonly ms: number } & Extract<ProposalOutcome, { ok: true }>)
  | ({ readonly kind: 'failed' } & Extract<ProposalOutcome, { ok: false }>)
  | { readonly kind: 'replayed'; readonly entries: number; readonly unreadable: number }
  /** A failed proposal will be made again in `inMs` (retry number `retry`). */
  | { readonly kind: 'retrying'; readonly incident: string; readonly retry: number; readonly inMs: number }
  /** A failed proposal is no longer retried while running; its alerts stay journalled for the next start. */
  | { readonly kind: 'abandoned'; readonly incident: string; readonly retries: number };

/** Options of {@link IntakeProcessor}. */
export interface IntakeProcessorOptions {
  /** Project root, inside a git work tree with the remote configured. */
  readonly root: string;
  readonly rules: AlertRules;
  readonly playbooks: ReadonlyMap<string, Playbook>;
  readonly guardrails: Guardrails;
  /** The project's incidents at start: their ids are taken, and alert incidents are indexed for dedup. */
  readonly incidents: readonly Incident[];
  readonly metrics: IntakeMetrics;
  /** @default DEFAULT_QUEUE_LIMIT */
  readonly queueLimit?: number;
  /** Durable record of accepted alerts; without one, a crash loses accepted alerts not yet proposed. */
  readonly journal?: Journal;
  /** @default settings.git.remote / base */
  readonly remote?: string;
  readonly base?: string;
  /** Forge call options (tests). */
  readonly forge?: ForgeCallOptions;
  /** Clock in ms. @default Date.now */
  readonly now?: () => number;
  readonly onEvent?: (event: IntakeEvent) => void;
  /**
   * Accept and journal alerts, but never start a proposal: what a process killed right after answering
   * looks like (tests of the journal). @default true
   */
  readonly propose?: boolean;
  /**
   * Where the git writer runs: `thread`, a worker thread, so synthesis never delays an HTTP answer (what
   * `airlock serve` uses); `inline`, this thread. A forge `fetch` (tests) forces `inline`. @default 'inline'
   */
  readonly writer?: 'thread' | 'inline';
  /**
   * Retrying proposals that failed in a way that may pass (delivery failed, or the incident file exists but
   * could not be proposed): attempts in all, the first included, and the backoff between them.
   * @default 8 attempts, 1 s doubling up to 60 s, jittered
   */
  readonly retry?: RetryOptions;
}

/** An open (or lifted) alert incident, as the dedup index knows it. */
interface Tracked {
  readonly id: string;
  readonly hash: string;
  readonly locus: string;
  readonly openedAtMs: number;
  /** Alert ids recorded in the file or queued for it, in order. */
  readonly alerts: string[];
  lifted: boolean;
  /** The declaration to write, until the file exists. */
  spec?: NewIncident;
  /** The latest proposal that will include everything accepted so far. */
  last?: Promise<ProposalOutcome>;
}

interface AlertRef {
  readonly id: string;
  readonly source: AlertReceiver;
  readonly acceptedAt: number;
  readonly journalFile?: string;
}

interface Job {
  readonly tracked: Tracked;
  readonly alerts: readonly AlertRef[];
  readonly breakGlass?: string;
  /** Retries made so far after failures that may pass. */
  readonly retries?: number;
}

/** Where an incident's first network action points (for matching index entries to targets). */
function incidentLocus(incident: Incident): string | undefined {
  for (const a of incident.actions) {
    if (a.kind === 'isolatePod') return targetLocus(a.namespace, { pod: a.pod });
    if (a.kind === 'isolateWorkload') return targetLocus(a.namespace, { selector: a.selector });
    if (a.kind === 'restrictEgress') return targetLocus(a.namespace, a.pod !== undefined ? { pod: a.pod } : { selector: a.selector! });
  }
  return undefined;
}

/** Accepts alerts and proposes their incidents, one repository writer at a time. */
export class IntakeProcessor {
  private readonly byHash = new Map<string, Tracked[]>();
  private readonly takenIds = new Set<string>();
  private readonly queue: CoalescingQueue<Job, ProposalOutcome>;
  private readonly now: () => number;
  private readonly writerConfig: WriterConfig;
  private readonly thread: WriterThread | undefined;
  private readonly retryPolicy: RetryPolicy;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: IntakeProcessorOptions) {
    this.now = options.now ?? Date.now;
    this.queue = new CoalescingQueue<Job, ProposalOutcome>(
      (batch) => this.runBatch(batch),
      (a, b) => ({
        tracked: a.tracked,
        alerts: [...a.alerts, ...b.alerts],
        ...((a.breakGlass ?? b.breakGlass) ? { breakGlass: (a.breakGlass ?? b.breakGlass)! } : {}),
        ...((a.retries ?? b.retries) !== undefined ? { retries: Math.max(a.retries ?? 0, b.retries ?? 0) } : {}),
      }),
      options.queueLimit ?? DEFAULT_QUEUE_LIMIT,
      (depth) => options.metrics.queueDepth.set(depth),
    );
    this.writerConfig = {
      root: options.root,
      guardrails: options.guardrails,
      maxAlertsPerIncident: options.rules.maxAlertsPerIncident,
      ...(options.remote ? { remote: options.remote } : {}),
      ...(options.base ? { base: options.base } : {}),
      ...(options.forge ? { forge: options.forge } : {}),
    };
    this.thread = options.writer === 'thread' && !options.forge?.fetch ? new WriterThread(this.writerConfig) : undefined;
    if (options.propose !== false) this.thread?.warm();
    this.retryPolicy = retryPolicy({ attempts: 8, baseDelayMs: 1000, maxDelayMs: 60_000, ...options.retry });
    for (const incident of options.incidents) {
      this.takenIds.add(incident.slug);
      const m = ALERT_INCIDENT_ID.exec(incident.id);
      const locus = incidentLocus(incident);
      if (!m || !locus) continue;
      this.track({ id: incident.id, hash: m[2]!, locus, openedAtMs: Date.parse(incident.openedAt), alerts: [...(incident.alerts ?? [])], lifted: incident.status === 'lifted' });
    }
  }

  /** Proposals waiting or running. */
  get depth(): number {
    return this.queue.depth;
  }

  /** Resolves when no proposal is waiting or running (shutdown, tests). Retries waiting on a timer do not count. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /**
   * Stops retrying, lets the queue finish, and stops the writer thread once the batches' background work (a
   * repack) is done. Failed alerts stay journalled.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    this.options.metrics.retryWaiting.set(0);
    await this.queue.idle();
    if (this.thread) await this.thread.close();
    else await (require('./writer') as typeof Writer).backgroundDone();
  }

  /**
   * Re-accepts every alert left in the journal by a previous process (killed before it proposed them), with
   * the clock it accepted them at. Called once at start, before the server listens.
   */
  replay(): number {
    const journal = this.options.journal;
    if (!journal) return 0;
    const { entries, unreadable } = journal.pending();
    for (const { file, entry } of entries) {
      const alert = reviveAlert(entry.alert);
      if (!alert) {
        unreadable.push(file);
        continue;
      }
      const outcome = this.accept(alert, { now: entry.acceptedAt, journalFile: file });
      // Refused now (rules changed, say) is refused for good; a full queue only means "not yet".
      if (outcome.status !== 'accepted' && !(outcome.status === 'rejected' && outcome.code === 'queue-full')) journal.remove([file]);
    }
    journal.setAside(unreadable);
    this.options.onEvent?.({ kind: 'replayed', entries: entries.length, unreadable: unreadable.length });
    return entries.length;
  }

  /**
   * Decides on one alert, synchronously (see the module comment). With `journalFile` the alert is a replay:
   * it is proposed again even if its id is already recorded, since the previous process may have died
   * between writing the file and pushing it.
   */
  accept(alert: Alert, options: { readonly now?: number; readonly journalFile?: string } = {}): AlertOutcome {
    const { metrics, rules, guardrails } = this.options;
    const source = [alert.receiver] as const;
    metrics.received.inc(source);
    if (!alert.firing) {
      metrics.resolved.inc(source);
      return { status: 'resolved', alert: alert.id };
    }
    const match = matchAlert(rules, alert);
    if (!match.rule) {
      metrics.unmatched.inc(source);
      this.options.onEvent?.({ kind: 'unmatched', source: alert.receiver, alert: alert.id });
      return { status: 'unmatched', alert: alert.id, reasons: match.reasons };
    }
    const rule = match.rule;
    metrics.matched.inc(source);
    const reject = (code: RejectionCode, reason: string, field?: string): AlertOutcome => {
      metrics.rejected.inc([alert.receiver, code]);
      this.options.onEvent?.({ kind: 'rejected', source: alert.receiver, alert: alert.id, code, reason: field ? `${field} ${reason}` : reason });
      return { status: 'rejected', alert: alert.id, rule: rule.name, code, ...(field ? { field } : {}), reason };
    };
    const playbook = this.options.playbooks.get(rule.action.playbook)!;
    const resolved = resolveTarget(alert, rule, playbook);
    if (!resolved.ok) return reject('invalid', resolved.problem.reason, resolved.problem.field);
    const target = resolved.target;
    if (guardrails.protectedNamespaces.includes(target.namespace)) {
      // Validated names and labels only (resolveTarget), so the suggested command is safe to paste.
      const where = target.pod !== undefined ? `--isolate ${target.namespace}/${target.pod}` : `--isolate-workload ${target.namespace}:${Object.entries(target.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',')}`;
      return reject('protected-namespace', `namespace "${target.namespace}" is protected (policies/guardrails.ts): the intake never contains it automatically; a responder can: airlock new <ID> ${where} --playbook ${target.playbook} --override <REASON>`);
    }
    const now = options.now ?? this.now();
    const mode = rule.action.breakGlass ? 'break-glass' : 'branch';
    const breakGlass = rule.action.breakGlass ? `intake rule "${rule.name}" matched alert ${alert.id} (priority ${alert.priority ?? 'unknown'})` : undefined;
    const journal = (): string | undefined => options.journalFile ?? this.options.journal?.record(alert, now);
    const accepted = (tracked: Tracked, disposition: 'created' | 'updated' | 'duplicate', done: Promise<ProposalOutcome> | undefined): AlertOutcome => {
      if (disposition !== 'created') metrics.deduplicated.inc(source);
      this.options.onEvent?.({ kind: 'accepted', source: alert.receiver, alert: alert.id, rule: rule.name, incident: tracked.id, disposition, mode });
      return { status: 'accepted', alert: alert.id, rule: rule.name, incident: tracked.id, disposition, mode, ...(done ? { done } : {}) };
    };

    const open = this.lookup(target, now);
    if (open) {
      const known = open.alerts.includes(alert.id);
      const full = !known && open.alerts.length >= rules.maxAlertsPerIncident;
      if (known || full) {
        if (options.journalFile === undefined) return accepted(open, 'duplicate', open.last);
        if (!this.queue.accepts(open.id)) return reject('queue-full', `${this.queue.limit} proposals are queued; retry later`);
        return accepted(open, 'duplicate', this.enqueue(open, { id: alert.id, source: alert.receiver, acceptedAt: now, journalFile: options.journalFile }, breakGlass));
      }
      if (!this.queue.accepts(open.id)) return reject('queue-full', `${this.queue.limit} proposals are queued; retry later`);
      const file = journal();
      open.alerts.push(alert.id);
      return accepted(open, 'updated', this.enqueue(open, { id: alert.id, source: alert.receiver, acceptedAt: now, ...(file ? { journalFile: file } : {}) }, breakGlass));
    }

    const id = this.allocateId(target, now);
    const spec = buildIncidentSpec({ id, alert, rule, target, playbook, rules, now });
    let problems: readonly Problem[];
    try {
      problems = precheckIncident(spec, playbook, guardrails);
    } catch (e) {
      // A playbook is the organisation's code: if it throws on this target, refuse the alert, keep serving.
      problems = [{ file: 'policies/playbooks.ts', field: playbook.playbookName, message: `threw for this target: ${(e as Error)?.message ?? String(e)}` }];
    }
    if (problems.length > 0) return reject('invalid', formatProblems(problems));
    if (!this.queue.accepts(id)) return reject('queue-full', `${this.queue.limit} proposals are queued; retry later`);
    const file = journal();
    const tracked = this.track({ id, hash: target.hash, locus: targetLocus(target.namespace, target), openedAtMs: now, alerts: [alert.id], lifted: false, spec });
    return accepted(tracked, 'created', this.enqueue(tracked, { id: alert.id, source: alert.receiver, acceptedAt: now, ...(file ? { journalFile: file } : {}) }, breakGlass));
  }

  private track(t: Tracked): Tracked {
    const list = this.byHash.get(t.hash) ?? [];
    list.push(t);
    this.byHash.set(t.hash, list);
    this.takenIds.add(t.id.toLowerCase());
    return t;
  }

  private untrack(t: Tracked): void {
    const list = (this.byHash.get(t.hash) ?? []).filter((x) => x !== t);
    if (list.length > 0) this.byHash.set(t.hash, list);
    else this.byHash.delete(t.hash);
    this.takenIds.delete(t.id.toLowerCase());
  }

  /** The newest open incident of the target still within the dedup window, if any. */
  private lookup(target: AlertTarget, now: number): Tracked | undefined {
    const locus = targetLocus(target.namespace, target);
    let best: Tracked | undefined;
    for (const t of this.byHash.get(target.hash) ?? []) {
      if (t.lifted || t.locus !== locus) continue;
      if (!best || t.openedAtMs > best.openedAtMs) best = t;
    }
    return best && now - best.openedAtMs < this.options.rules.dedupWindowMs ? best : undefined;
  }

  /** `ALERT-<date>-<hash>`, or the first free `-<n>` after it (see incident-spec.ts). */
  private allocateId(target: AlertTarget, now: number): string {
    const stem = alertIncidentStem(target, new Date(now));
    const free = (id: string): boolean => !this.takenIds.has(id.toLowerCase()) && !fs.existsSync(path.join(this.options.root, INCIDENTS_DIR, `${id}.ts`));
    if (free(stem)) return stem;
    for (let n = 2; ; n++) if (free(`${stem}-${n}`)) return `${stem}-${n}`;
  }

  private enqueue(tracked: Tracked, ref: AlertRef, breakGlass: string | undefined): Promise<ProposalOutcome> {
    if (this.options.propose === false) return new Promise<ProposalOutcome>(() => {});
    const done = this.queue.push(tracked.id, { tracked, alerts: [ref], ...(breakGlass ? { breakGlass } : {}) });
    tracked.last = done;
    return done;
  }

  /**
   * One batch: every incident whose alerts queued up while the previous batch ran, written and proposed
   * together by the writer (in its thread under `airlock serve`). Never throws: each job gets its outcome.
   */
  private async runBatch(batch: ReadonlyArray<readonly [string, Job]>): Promise<Map<string, ProposalOutcome>> {
    const jobs: WriterJob[] = batch.map(([id, job]) => ({
      id,
      ...(job.tracked.spec ? { spec: job.tracked.spec } : {}),
      alerts: [...new Set(job.alerts.map((a) => a.id))],
      ...(job.breakGlass ? { breakGlass: job.breakGlass } : {}),
    }));
    let results: readonly WriterResult[];
    try {
      // In thread mode the synthesis and git modules are loaded by the worker only, never on this thread.
      results = this.thread ? await this.thread.run(jobs) : await (require('./writer') as typeof Writer).writeAndPropose(this.writerConfig, jobs);
    } catch (e) {
      // The writer thread died mid-batch: whatever it did is unknown, so every job failed in a way that may pass.
      const error = `internal error: ${(e as Error)?.message ?? String(e)}`;
      results = jobs.map((j) => ({ ok: false as const, id: j.id, errorKind: 'internal' as const, error, written: fs.existsSync(path.join(this.options.root, INCIDENTS_DIR, `${j.id}.ts`)), lifted: false }));
    }
    const outcomes = new Map<string, ProposalOutcome>();
    batch.forEach(([id, job], k) => outcomes.set(id, this.settle(job, jobs[k]!.alerts, results[k]!)));
    return outcomes;
  }

  /** Records one job's result: metrics, journal, dedup index, logs; schedules a retry when the failure may pass. */
  private settle(job: Job, alertIds: readonly string[], result: WriterResult): ProposalOutcome {
    const { metrics, journal } = this.options;
    const journalFiles = job.alerts.map((a) => a.journalFile).filter((f): f is string => f !== undefined);
    if (result.ok) {
      delete job.tracked.spec;
      const { ok: _ok, id, ...delivered } = result;
      const outcome: ProposalOutcome = { ok: true, incident: id, alerts: alertIds, ...delivered };
      for (const a of job.alerts) metrics.proposed.inc([a.source]);
      metrics.proposals.inc([result.pushed ? 'pushed' : 'unchanged']);
      const ms = this.now() - Math.min(...job.alerts.map((a) => a.acceptedAt));
      if (result.pushed) metrics.alertToPush.observe(Math.max(0, ms) / 1000);
      journal?.remove(journalFiles);
      this.options.onEvent?.({ kind: 'proposed', ms, ...outcome });
      return outcome;
    }
    if (result.written) delete job.tracked.spec;
    if (result.lifted) job.tracked.lifted = true;
    // Keep the alerts journalled when the failure may pass: delivery failed, or the file recording them exists
    // but could not be proposed (the settings are broken, say). Those are retried while
    // running, with backoff, and at the next start. An incident refused before its file was written is refused
    // for good.
    const mayPass = result.errorKind === 'git' || (result.written && !result.lifted);
    if (!mayPass) journal?.remove(journalFiles);
    if (!result.written) this.untrack(job.tracked);
    for (const a of job.alerts) metrics.failed.inc([a.source]);
    metrics.proposals.inc(['failed']);
    const outcome: ProposalOutcome = { ok: false, incident: result.id, alerts: alertIds, errorKind: result.errorKind, error: result.error };
    this.options.onEvent?.({ kind: 'failed', ...outcome });
    if (mayPass && (result.written || job.tracked.spec)) this.scheduleRetry(result.id, job);
    return outcome;
  }

  /**
   * Proposes a failed job again after a bounded, jittered backoff, without holding up the queue: the job waits
   * on a timer, then joins the next batch like any other (merging with newer alerts for the same incident).
   * After the last attempt its alerts stay journalled for the next start.
   */
  private scheduleRetry(id: string, job: Job): void {
    const retries = (job.retries ?? 0) + 1;
    if (this.closed) return;
    if (retries > this.retryPolicy.attempts - 1) {
      this.options.metrics.retriesExhausted.inc();
      this.options.onEvent?.({ kind: 'abandoned', incident: id, retries: retries - 1 });
      return;
    }
    const delay = backoffDelay(this.retryPolicy, retries);
    this.options.onEvent?.({ kind: 'retrying', incident: id, retry: retries, inMs: delay });
    this.options.metrics.retryWaiting.set(this.retryTimers.size + 1);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.options.metrics.retryWaiting.set(this.retryTimers.size);
      if (this.closed) return;
      this.options.metrics.retries.inc();
      // A retry is not a new alert: it may exceed the queue bound rather than be dropped.
      const retry: Job = { ...job, retries };
      job.tracked.last = this.queue.push(id, retry, { force: true });
    }, delay);
    timer.unref();
    this.retryTimers.add(timer);
  }
}
