/**
 * The intake's git writer: given every incident whose alerts queued up meanwhile, write or edit each incident
 * file, then propose them all together (one synthesis, one fetch, one commit per incident, one push; see
 * proposeIncidents). Runs in a worker thread under `airlock serve` (writer-thread.ts) so that synthesis never
 * holds up the HTTP answers, or in process; everything it takes and returns is plain data for that reason.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AirlockError, UsageError, ValidationError } from '../errors';
import type { ForgeCallOptions } from '../git/forge';
import { GitDeliveryError } from '../git/errors';
import { objectStore } from '../git/object-store';
import { prefetchHeads } from '../git/remote';
import { openWorkTree } from '../git/runner';
import type { AirlockAction } from '../git/trailers';
import { generateIncidentSource, type NewIncident } from '../incident/generate-incident';
import { validateIncident } from '../incident/validate-incident';
import { createIncident, newIncidentTempFile } from '../project/create-incident';
import { transpileAhead, type Transpiled } from '../project/direct-transpile';
import { INCIDENTS_DIR } from '../project/load-project';
import { loadDefaultExport } from '../project/load-module';
import type { Guardrails } from '../settings/settings';
import { proposeIncidents } from '../workflow/propose-incident';
import { appendAlerts } from './append-alerts';

/** What the writer needs to know about the repository; the same for every batch. */
export interface WriterConfig {
  /** Project root, inside a git work tree with the remote configured. */
  readonly root: string;
  readonly guardrails: Guardrails;
  /** Alert ids recorded per incident at most (the rules' `maxAlertsPerIncident`). */
  readonly maxAlertsPerIncident: number;
  /** @default settings.git.remote / base */
  readonly remote?: string;
  readonly base?: string;
  /** Forge call options (tests); only `env` crosses into a worker thread. */
  readonly forge?: ForgeCallOptions;
}

/** One incident to propose: create it from `spec` when its file does not exist yet, else record `alerts` in it. */
export interface WriterJob {
  readonly id: string;
  /** The declaration to write, until the file exists. */
  readonly spec?: NewIncident;
  /** Alert ids to record, in order. */
  readonly alerts: readonly string[];
  /** Break-glass reason: commit straight to the base branch. */
  readonly breakGlass?: string;
}

/** Where a delivered proposal went. */
export interface Delivered {
  readonly action: AirlockAction;
  readonly mode: 'branch' | 'direct';
  readonly branch: string;
  readonly commit: string;
  readonly pushed: boolean;
  readonly unchanged: boolean;
}

/** How one job ended. */
export type WriterResult =
  | ({ readonly ok: true; readonly id: string } & Delivered)
  | {
      readonly ok: false;
      readonly id: string;
      /** `invalid`: the incident or project failed validation; `git`: delivery failed; `internal`: a bug. */
      readonly errorKind: 'invalid' | 'git' | 'internal';
      readonly error: string;
      /** Whether the incident file exists (so the alerts are recorded and a later proposal can deliver them). */
      readonly written: boolean;
      /** The file says the incident was lifted: the next alert on its target opens a new one. */
      readonly lifted: boolean;
    };

/** Writes the jobs' incident files and proposes them together. Never throws: every job gets a result. */
export async function writeAndPropose(config: WriterConfig, jobs: readonly WriterJob[]): Promise<WriterResult[]> {
  const results: Array<WriterResult | undefined> = jobs.map(() => undefined);
  const lifted = new Set<string>();
  const fail = (at: number, e: unknown): void => {
    const job = jobs[at]!;
    const errorKind = e instanceof GitDeliveryError ? 'git' : e instanceof AirlockError ? 'invalid' : 'internal';
    const error = errorKind === 'internal' ? `internal error: ${(e as Error)?.stack ?? String(e)}` : (e as Error).message;
    results[at] = { ok: false, id: job.id, errorKind, error, written: fs.existsSync(path.join(config.root, INCIDENTS_DIR, `${job.id}.ts`)), lifted: lifted.has(job.id) };
  };
  await askRemoteAhead(config, jobs);
  const ahead = await transpileNewIncidents(config, jobs);
  const ready: number[] = [];
  jobs.forEach((job, at) => {
    try {
      writeIncident(config, job, ahead[at], () => lifted.add(job.id));
      ready.push(at);
    } catch (e) {
      fail(at, e);
    }
  });
  if (ready.length > 0) {
    try {
      const proposals = await proposeIncidents({
        root: config.root,
        incidents: ready.map((at) => ({ id: jobs[at]!.id, ...(jobs[at]!.breakGlass ? { direct: { reason: jobs[at]!.breakGlass! } } : {}) })),
        // This writer wrote those files: the rest of the project is not read again batch after batch.
        synth: 'incidents',
        ...(config.remote ? { remote: config.remote } : {}),
        ...(config.base ? { base: config.base } : {}),
        ...(config.forge ? { forge: config.forge } : {}),
      });
      proposals.forEach((proposal, k) => {
        const at = ready[k]!;
        if (!proposal.ok) return fail(at, proposal.error);
        const { git, action } = proposal.proposed;
        delivery.set(config.root, { remote: git.remote, base: git.base });
        results[at] = { ok: true, id: jobs[at]!.id, action, mode: git.mode, branch: git.branch, commit: git.commit, pushed: git.pushed, unchanged: git.unchanged };
      });
    } catch (e) {
      for (const at of ready) fail(at, e);
    }
    // Each batch stores its objects as one pack (see object-store.ts): rolled up in the background as they pile up.
    const rollUp = openWorkTree(config.root).then((git) => objectStore(git.dir).rollUpPacks(), () => undefined);
    rollingUp.add(rollUp);
    void rollUp.then(() => rollingUp.delete(rollUp));
  }
  return results as WriterResult[];
}

/** The batches' roll-ups of packs under way in the background (see ObjectStore.rollUpPacks). */
const rollingUp = new Set<Promise<void>>();

/**
 * Resolves once the background work the batches left (rolling packs up) is done. A writer that stops waits for
 * it, so that nothing writes into the repository after it said it stopped: a repack left running would
 * outlive it, and whoever removes or copies the repository next would race it.
 */
export async function backgroundDone(): Promise<void> {
  await Promise.all(rollingUp);
}

/** Where the last proposal of each project root went (the settings' remote and base, as proposeIncidents found them). */
const delivery = new Map<string, { readonly remote: string; readonly base: string }>();

/**
 * Starts asking the remote about the batch's branches (`airlock/<id>`) and the base before the incidents are
 * written and synthesized, so the answer is there when the proposal needs it (see prefetchHeads). Only once a
 * proposal has shown where they go; a remote or base changed in the settings meanwhile simply goes unused.
 */
async function askRemoteAhead(config: WriterConfig, jobs: readonly WriterJob[]): Promise<void> {
  const last = delivery.get(config.root);
  if (!last) return;
  try {
    const git = await openWorkTree(config.root);
    void prefetchHeads(git, config.remote ?? last.remote, [config.base ?? last.base, ...jobs.filter((j) => !j.breakGlass).map((j) => `airlock/${j.id.toLowerCase()}`)]);
  } catch {
    return; // the proposal will say what is wrong with the repository
  }
  // Let the git process start before the synchronous work of writing and synthesizing.
  await new Promise((resolve) => setImmediate(resolve));
}

/** The declaration a job's new incident file is generated from. */
function newIncidentSpec(config: WriterConfig, job: WriterJob & { readonly spec: NewIncident }): NewIncident {
  return { ...job.spec, alerts: job.alerts.slice(0, config.maxAlertsPerIncident) };
}

/**
 * The files the batch will create, transpiled ahead and together through esbuild's asynchronous API (see
 * transpileAhead): tsx's synchronous transpile of each new file was a wait of about 10 ms per incident in the
 * writer. Undefined for a job that edits an existing file, or when the transpile fails (the file is then
 * loaded as usual, which reports the error properly).
 */
function transpileNewIncidents(config: WriterConfig, jobs: readonly WriterJob[]): Promise<Array<Transpiled | undefined>> {
  return Promise.all(
    jobs.map(async (job) => {
      if (!job.spec || fs.existsSync(path.join(config.root, INCIDENTS_DIR, `${job.id}.ts`))) return undefined;
      const source = generateIncidentSource(newIncidentSpec(config, { ...job, spec: job.spec }));
      const filename = newIncidentTempFile(config.root);
      const code = await transpileAhead(source, filename).catch(() => undefined);
      return code === undefined ? undefined : { filename, source, code };
    }),
  );
}

/** Creates the incident file from the job's spec, or records the job's alert ids in the existing one. */
function writeIncident(config: WriterConfig, job: WriterJob, transpiled: Transpiled | undefined, markLifted: () => void): void {
  const { root, guardrails } = config;
  const relative = `${INCIDENTS_DIR}/${job.id}.ts`;
  const absolute = path.join(root, relative);
  if (!fs.existsSync(absolute)) {
    if (!job.spec) throw new UsageError(`${relative} no longer exists; the next alert on this target opens a new incident`);
    createIncident(root, newIncidentSpec(config, { ...job, spec: job.spec }), transpiled ? { transpiled } : {});
    return;
  }
  const loaded = loadDefaultExport(absolute, relative, { fresh: true });
  if (!loaded.ok) throw new ValidationError([loaded.problem]);
  const checked = validateIncident(loaded.value, { file: relative, guardrails });
  if (!checked.incident) throw new ValidationError(checked.problems);
  if (checked.incident.status === 'lifted') {
    markLifted();
    throw new UsageError(`${relative} was lifted; the next alert on this target opens a new incident`);
  }
  appendAlerts(root, checked.incident, job.alerts, guardrails);
}
