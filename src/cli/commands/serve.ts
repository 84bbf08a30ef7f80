/**
 * `airlock serve`: the alert intake. Falcosidekick and Alertmanager post alerts; rules in
 * `policies/alert-rules.ts` turn the matching ones into incident files (the generator `airlock new` uses),
 * proposed as pull requests or, for rules that say so, break-glass commits. The implementation is in
 * src/intake (loaded on use: `--help` stays fast); this file reads flags, the secret and the TLS files, and
 * writes the log.
 *
 * Runs until SIGTERM or SIGINT, then stops accepting (readiness fails, POSTs get 503), finishes the queued
 * proposals and exits. Alerts accepted but not yet proposed are in the journal (`--queue-dir`) and are
 * proposed by the next start if the process dies first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { UsageError } from '../../errors';
import type { AuthMode } from '../../intake/auth';
import type * as Start from '../../intake/start';
import type { IntakeEvent } from '../../intake/processor';
import type { RequestLog } from '../../intake/server';
import { projectRoot, readFlagFile, wholeNumber, writingTo } from '../context';

/** Environment variable read for the secret when neither --secret-env nor --secret-file is given. */
export const DEFAULT_SECRET_ENV = 'AIRLOCK_INTAKE_SECRET';

interface ServeOptions {
  readonly port: string;
  readonly host?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly secretEnv?: string;
  readonly secretFile?: string;
  readonly auth: string;
  readonly dedupWindow?: string;
  readonly queueDir: string;
  readonly queueLimit: string;
  readonly maxBody: string;
  readonly allowPlainHttp?: boolean;
  readonly json?: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** The secret's bytes, from the file or the variable the flags name; the value itself is never printed. */
function readSecret(opts: ServeOptions): Buffer {
  if (opts.secretEnv && opts.secretFile) throw new UsageError('--secret-env and --secret-file name two secrets; give one');
  if (opts.secretFile) {
    const bytes = readFlagFile('--secret-file', opts.secretFile);
    // A trailing newline is how `echo` and most editors end the file; it is not part of the secret.
    const text = bytes.toString('utf8').replace(/\r?\n$/, '');
    if (text === '') throw new UsageError(`--secret-file ${opts.secretFile} is empty`);
    return Buffer.from(text, 'utf8');
  }
  const name = opts.secretEnv ?? DEFAULT_SECRET_ENV;
  const value = process.env[name];
  if (!value) throw new UsageError(`the environment variable ${name} is not set or empty; set it to the shared secret, or pass --secret-file FILE`);
  return Buffer.from(value, 'utf8');
}

/** One line per event: JSON with --json, text otherwise. Alert fields in events are ids and validated names only. */
function logger(json: boolean | undefined) {
  return (event: string, fields: Record<string, unknown>, text: string): void => {
    process.stdout.write(json ? `${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n` : `${text}\n`);
  };
}

function describeEvent(e: IntakeEvent): string {
  switch (e.kind) {
    case 'accepted':
      return `accepted ${e.source} alert ${e.alert} (rule ${e.rule}): ${e.disposition} ${e.incident}${e.mode === 'break-glass' ? ' [break-glass]' : ''}`;
    case 'unmatched':
      return `unmatched ${e.source} alert ${e.alert}`;
    case 'rejected':
      return `rejected ${e.source} alert ${e.alert} (${e.code}): ${JSON.stringify(e.reason)}`;
    case 'proposed':
      return `${e.incident}: ${e.unchanged ? 'unchanged' : `pushed ${e.commit.slice(0, 12)} to ${e.branch}`} (${e.action}, alerts ${e.alerts.join(', ')}, ${e.ms} ms after the first)`;
    case 'failed':
      return `${e.incident}: proposal failed (${e.errorKind}; alerts ${e.alerts.join(', ')}): ${e.error}`;
    case 'retrying':
      return `${e.incident}: proposing again in ${e.inMs} ms (retry ${e.retry})`;
    case 'abandoned':
      return `${e.incident}: no longer retried after ${e.retries} retries; its alerts stay journalled for the next start`;
    case 'replayed':
      return `replayed ${e.entries} journalled alert${e.entries === 1 ? '' : 's'}${e.unreadable ? ` (${e.unreadable} unreadable, set aside as *.unreadable)` : ''}`;
  }
}

async function serve(opts: ServeOptions, root: string): Promise<void> {
  const log = logger(opts.json);
  const port = wholeNumber('--port', opts.port, 0, 65535);
  const queueLimit = wholeNumber('--queue-limit', opts.queueLimit, 1);
  const maxBodyBytes = wholeNumber('--max-body', opts.maxBody, 1024);
  const dedupWindowMinutes = opts.dedupWindow !== undefined ? wholeNumber('--dedup-window', opts.dedupWindow, 1) : undefined;
  if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) throw new UsageError('--tls-cert and --tls-key go together');
  const tls = opts.tlsCert && opts.tlsKey ? { cert: readFlagFile('--tls-cert', opts.tlsCert), key: readFlagFile('--tls-key', opts.tlsKey) } : undefined;
  const host = opts.host ?? (tls ? '0.0.0.0' : '127.0.0.1');
  if (!tls && !LOOPBACK.has(host) && !opts.allowPlainHttp) {
    throw new UsageError(`without --tls-cert and --tls-key the intake listens on loopback only (a bearer secret must not cross a network in clear); --host ${host} needs TLS, or --allow-plain-http behind a TLS-terminating proxy`);
  }
  const secret = readSecret(opts);
  // Checked here, where the flag is known: the journal is what makes an accepted alert safe.
  writingTo('--queue-dir', opts.queueDir, () => {
    const dir = path.resolve(root, opts.queueDir);
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  });
  const { startIntake } = require('../../intake/start') as typeof Start;
  const running = await startIntake({
    root,
    secret,
    authMode: opts.auth as AuthMode,
    ...(tls ? { tls } : {}),
    port,
    host,
    ...(dedupWindowMinutes !== undefined ? { dedupWindowMinutes } : {}),
    queueDir: opts.queueDir,
    queueLimit,
    maxBodyBytes,
    onEvent: (e) => log(e.kind, { ...e }, describeEvent(e)),
    onRequest: (r: RequestLog) => {
      // Probes and scrapes that succeed are not news; every alert request and every refusal is.
      if (r.status < 300 && r.path !== '/v1/falco' && r.path !== '/v1/alertmanager') return;
      log('request', { ...r }, `${r.method} ${r.path} ${r.status} ${r.ms} ms${r.reason ? `: ${r.reason}` : ''}`);
    },
  });
  log(
    'listening',
    { url: running.server.url, rules: running.rules.rules.map((r) => r.name), dedupWindowMinutes: running.rules.dedupWindowMs / 60_000, auth: opts.auth, replayed: running.replayed },
    `listening on ${running.server.url} with ${running.rules.rules.length} rule${running.rules.rules.length === 1 ? '' : 's'} (auth: ${opts.auth}; dedup window ${running.rules.dedupWindowMs / 60_000} min)`,
  );
  const stop = (): void => {
    log('stopping', { queued: running.processor.depth }, `stopping: finishing ${running.processor.depth} queued proposal(s)`);
    void running.close();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await running.server.closed;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
  log('stopped', {}, 'stopped');
}

/** The `serve` command. */
export function serveCommand(): Command {
  return new Command('serve')
    .description('receive Falcosidekick and Alertmanager alerts and turn those matching policies/alert-rules.ts into proposed incidents')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8080')
    .option('--host <address>', 'address to listen on (default: 0.0.0.0 with TLS, 127.0.0.1 without)')
    .option('--tls-cert <file>', 'PEM certificate chain to serve HTTPS with')
    .option('--tls-key <file>', 'PEM private key of the certificate')
    .option('--secret-env <name>', `environment variable holding the shared secret (default: ${DEFAULT_SECRET_ENV})`)
    .option('--secret-file <file>', 'file holding the shared secret (e.g. a mounted Secret); one trailing newline is ignored')
    .addOption(new Option('--auth <mode>', 'accepted proofs: a bearer/X-Airlock-Token secret, an HMAC signature (X-Airlock-Signature over timestamp.body), or either').choices(['either', 'token', 'hmac']).default('either'))
    .option('--dedup-window <minutes>', "alerts on the same target within this long of the incident opening join it (default: the rules' dedupWindowMinutes)")
    .option('--queue-dir <dir>', 'journal of accepted alerts not yet proposed, replayed at start (relative to the project root)', '.airlock/intake-queue')
    .option('--queue-limit <n>', 'incident proposals queued at most; beyond, new targets get 429', '1000')
    .option('--max-body <bytes>', 'largest request body accepted', String(1024 * 1024))
    .option('--allow-plain-http', 'listen without TLS on a non-loopback address (only behind a TLS-terminating proxy)')
    .option('--json', 'log one JSON object per line')
    .action((opts: ServeOptions, command: Command) => serve(opts, projectRoot(command)));
}
