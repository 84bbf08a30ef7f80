/**
 * The intake as `airlock serve` runs it, in one call: load and validate the project, its playbooks and
 * `policies/alert-rules.ts` (a bad rule stops the start with the file and field named), replay the journal,
 * then listen. Kept apart from the CLI so tests and the benchmark run exactly what the command runs,
 * in-process.
 */
import * as path from 'node:path';
import type { RetryOptions } from '../git/backoff';
import type { ForgeCallOptions } from '../git/forge';
import { loadPlaybooks } from '../project/create-incident';
import { loadProject } from '../project/load-project';
import { Authenticator, MIN_SECRET_BYTES, type AuthMode } from './auth';
import { IntakeStartError } from './errors';
import { Journal } from './journal';
import { IntakeMetrics } from './metrics';
import { IntakeProcessor, type IntakeEvent } from './processor';
import { loadAlertRules, type AlertRules } from './rules';
import { startIntakeServer, type IntakeServer, type RequestLog } from './server';

/** Default journal directory, relative to the project root (add `.airlock/` to `.gitignore`). */
export const DEFAULT_QUEUE_DIR = '.airlock/intake-queue';

/** Options of {@link startIntake}. */
export interface StartIntakeOptions {
  readonly root: string;
  /** The shared secret (from an environment variable or a file; see the serve command). */
  readonly secret: Buffer;
  /** @default 'either' */
  readonly authMode?: AuthMode;
  /** Accepted clock difference for signed requests. @default 300 */
  readonly toleranceSeconds?: number;
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
  /** @default 8080 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Overrides the rules' `dedupWindowMinutes`. */
  readonly dedupWindowMinutes?: number;
  /** Journal directory (absolute or relative to the root), or false for none. @default DEFAULT_QUEUE_DIR */
  readonly queueDir?: string | false;
  /** @default DEFAULT_QUEUE_LIMIT */
  readonly queueLimit?: number;
  /** @default MAX_BODY_BYTES */
  readonly maxBodyBytes?: number;
  readonly bodyTimeoutMs?: number;
  readonly remote?: string;
  readonly base?: string;
  readonly forge?: ForgeCallOptions;
  readonly now?: () => number;
  readonly onEvent?: (event: IntakeEvent) => void;
  readonly onRequest?: (entry: RequestLog) => void;
  /** See IntakeProcessorOptions.propose (tests of the journal). @default true */
  readonly propose?: boolean;
  /** Where the git writer runs (see IntakeProcessorOptions.writer). @default 'thread' */
  readonly writer?: 'thread' | 'inline';
  /** Retries of failed proposals while running (see IntakeProcessorOptions.retry). */
  readonly retry?: RetryOptions;
}

/** A running intake. */
export interface RunningIntake {
  readonly server: IntakeServer;
  readonly processor: IntakeProcessor;
  readonly metrics: IntakeMetrics;
  readonly rules: AlertRules;
  /** Alerts replayed from the journal at start. */
  readonly replayed: number;
  /** Stops accepting, finishes queued proposals, closes. */
  close(): Promise<void>;
}

/** Validates everything, replays the journal, and starts the server. */
export async function startIntake(options: StartIntakeOptions): Promise<RunningIntake> {
  if (options.secret.length < MIN_SECRET_BYTES) throw new IntakeStartError(`the shared secret is ${options.secret.length} byte${options.secret.length === 1 ? '' : 's'} long; at least ${MIN_SECRET_BYTES} are needed (e.g. \`openssl rand -hex 32\`)`);
  const root = path.resolve(options.root);
  const project = loadProject(root, { fresh: true });
  const playbooks = loadPlaybooks(root);
  const loaded = loadAlertRules(root, playbooks);
  const rules: AlertRules = options.dedupWindowMinutes !== undefined ? { ...loaded, dedupWindowMs: options.dedupWindowMinutes * 60_000 } : loaded;
  const authenticator = new Authenticator({
    secret: options.secret,
    ...(options.authMode ? { mode: options.authMode } : {}),
    ...(options.toleranceSeconds !== undefined ? { toleranceSeconds: options.toleranceSeconds } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const metrics = new IntakeMetrics();
  const queueDir = options.queueDir === false ? undefined : path.resolve(root, options.queueDir ?? DEFAULT_QUEUE_DIR);
  const processor = new IntakeProcessor({
    root,
    rules,
    playbooks,
    guardrails: project.guardrails,
    incidents: project.incidents,
    metrics,
    ...(queueDir ? { journal: new Journal(queueDir) } : {}),
    ...(options.queueLimit !== undefined ? { queueLimit: options.queueLimit } : {}),
    ...(options.remote ? { remote: options.remote } : {}),
    ...(options.base ? { base: options.base } : {}),
    ...(options.forge ? { forge: options.forge } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.propose === false ? { propose: false } : {}),
    writer: options.writer ?? 'thread',
    ...(options.retry ? { retry: options.retry } : {}),
  });
  const replayed = processor.replay();
  const server = await startIntakeServer({
    processor,
    authenticator,
    metrics,
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.host ? { host: options.host } : {}),
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
    ...(options.bodyTimeoutMs !== undefined ? { bodyTimeoutMs: options.bodyTimeoutMs } : {}),
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
  });
  return { server, processor, metrics, rules, replayed, close: () => server.close() };
}
