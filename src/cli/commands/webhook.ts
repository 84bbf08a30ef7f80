/**
 * `airlock webhook serve` and `airlock webhook sync-blocklists`: the two containers of the webhook-mode
 * Deployment (src/admission/webhook-deployment). Thin: blocklists come from src/webhook/blocklist-source and
 * its watcher, decisions from src/webhook/review, the ConfigMap snapshot from src/webhook/configmap-sync.
 *
 * `serve` runs until SIGTERM or SIGINT (then fails readiness and drains open connections). It reloads the
 * blocklists when their directory changes, on SIGHUP, and every `--resync` seconds; a reload that fails keeps
 * the blocklists it had and says why. It also reloads the TLS key and certificate when their directory
 * changes (cert-manager renews them in place) or on SIGHUP.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { UsageError } from '../../errors';
import type * as Serve from '../../webhook/serve';
import type { WebhookDecision } from '../../webhook/server';
import type * as Sync from '../../webhook/configmap-sync';
import type { KubeApiConfig } from '../../webhook/configmap-sync';
import type { Blocklist } from '../../admission/blocklist';
import { BLOCKLIST_LABEL, BLOCKLIST_LABEL_VALUE, DEFAULT_PARAM_NAMESPACE } from '../../admission/manifest';
import { readFlagFile, wholeNumber } from '../context';

/** Loaded on use: the server and the Kubernetes client are not needed for other commands. */
const serveModule = (): typeof Serve => require('../../webhook/serve') as typeof Serve;
const syncModule = (): typeof Sync => require('../../webhook/configmap-sync') as typeof Sync;

interface ServeOptions {
  readonly port: string;
  readonly host: string;
  readonly tlsCert: string;
  readonly tlsKey: string;
  readonly blocklist: string;
  readonly dist?: string;
  readonly requireSnapshot?: boolean;
  readonly resync: string;
  readonly shutdownDelay: string;
  readonly logAllowed?: boolean;
  readonly json?: boolean;
}

interface SyncOptions {
  readonly dir: string;
  readonly namespace?: string;
  readonly selector: string;
  readonly apiServer?: string;
  readonly caFile?: string;
  readonly tokenFile?: string;
  readonly json?: boolean;
}


function parseSeconds(value: string, flag: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} is "${value}"; accepted: whole seconds, 0 to turn it off`);
  return Number(value);
}

function summary(blocklists: readonly Blocklist[]): string {
  const entries = blocklists.reduce((n, b) => n + b.digests.size + b.tags.size + b.repositories.size, 0);
  return `${entries} blocked image entr${entries === 1 ? 'y' : 'ies'} from ${blocklists.length} incident${blocklists.length === 1 ? '' : 's'}`;
}

/**
 * A line logger: JSON objects with `--json`, text otherwise. Decision lines are gathered and written once
 * per turn of the event loop: stdout to a pipe (a container log) is a synchronous write, and one write per
 * review was the largest cost after TLS under load. Every other event is written at once (after any pending
 * decisions), so nothing about starting, reloading or stopping can be lost to an exit.
 */
function logger(json: boolean | undefined) {
  let pending = '';
  const flush = (): void => {
    if (pending === '') return;
    const text = pending;
    pending = '';
    process.stdout.write(text);
  };
  return (event: string, fields: Record<string, unknown>, text: string): void => {
    const line = json ? `${JSON.stringify({ event, ...fields })}\n` : `${text}\n`;
    if (event !== 'decision') {
      flush();
      process.stdout.write(line);
      return;
    }
    if (pending === '') setImmediate(flush);
    pending += line;
  };
}

/** Calls `onChange` (debounced) when anything in `dir` changes; for mounted Secrets, whose `..data` is swapped. */
function watchDirectory(dir: string, onChange: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(dir, { persistent: false }, () => {
      clearTimeout(timer);
      timer = setTimeout(onChange, 200);
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    // No watch (no inotify): SIGHUP still reloads.
  }
  return () => {
    clearTimeout(timer);
    watcher?.close();
  };
}

async function serve(opts: ServeOptions): Promise<void> {
  const log = logger(opts.json);
  const port = wholeNumber('--port', opts.port, 0, 65535);
  const resync = parseSeconds(opts.resync, '--resync');
  const shutdownDelay = parseSeconds(opts.shutdownDelay, '--shutdown-delay');
  const dir = opts.dist ?? opts.blocklist;
  const cert = readFlagFile('--tls-cert', opts.tlsCert);
  const key = readFlagFile('--tls-key', opts.tlsKey);
  // Denials are security events and always logged; allowed reviews (every pod start in the cluster) only on request.
  const onDecision = (d: WebhookDecision): void => {
    if (d.allowed && !opts.logAllowed) return;
    log('decision', { ...d }, d.allowed ? `allowed ${d.uid}` : `denied ${d.uid}: ${d.message}`);
  };
  const running = await serveModule().serveWebhook({
    key,
    cert,
    port,
    host: opts.host,
    onDecision,
    blocklistDir: dir,
    resyncIntervalMs: resync * 1000,
    requireSnapshot: opts.requireSnapshot ?? false,
  });
  const { server, watcher } = running;
  const initial = watcher.blocklists;
  log(
    'listening',
    { url: server.url, ready: server.ready, incidents: initial?.map((b) => b.incident) ?? null },
    initial ? `listening on ${server.url} with ${summary(initial)} (${dir})` : `listening on ${server.url}, not ready: waiting for ${dir}/..data`,
  );
  watcher.on('reloaded', (r) => {
    if (r.changed || r.trigger === 'signal') log('reloaded', { trigger: r.trigger, changed: r.changed, incidents: r.blocklists.map((b) => b.incident) }, `reloaded (${r.trigger}): ${summary(r.blocklists)}`);
  });
  watcher.on('reload-failed', (f) => log('reload-failed', { trigger: f.trigger, error: f.error.message }, `reload failed (${f.trigger}), keeping the previous blocklists: ${f.error.message}`));
  watcher.on('waiting', (w) => log('waiting', { trigger: w.trigger }, `not ready: waiting for ${dir}/..data`));

  const reloadTls = (trigger: string): void => {
    try {
      server.setCertificate(fs.readFileSync(opts.tlsKey), fs.readFileSync(opts.tlsCert));
      log('tls-reloaded', { trigger }, `TLS key and certificate reloaded (${trigger})`);
    } catch (e) {
      log('tls-reload-failed', { trigger, error: (e as Error).message }, `TLS reload failed (${trigger}), keeping the previous certificate: ${(e as Error).message}`);
    }
  };
  const unwatchTls = watchDirectory(path.dirname(path.resolve(opts.tlsCert)), () => reloadTls('change'));
  const onHup = (): void => {
    void watcher.reload('signal');
    reloadTls('signal');
  };
  const stop = (): void => {
    log('stopping', { drainSeconds: shutdownDelay }, `stopping: not ready, draining for ${shutdownDelay} s`);
    void running.close(shutdownDelay * 1000);
  };
  process.on('SIGHUP', onHup);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await server.closed;
  } finally {
    unwatchTls();
    process.off('SIGHUP', onHup);
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
  log('stopped', {}, 'stopped');
}

function apiConfig(opts: SyncOptions): KubeApiConfig {
  if (!opts.apiServer) {
    try {
      const config = syncModule().inClusterApiConfig();
      return { ...config, ...(opts.caFile ? { ca: readFlagFile('--ca-file', opts.caFile) } : {}), ...(opts.tokenFile ? { tokenFile: opts.tokenFile } : {}) };
    } catch (e) {
      throw new UsageError(`${(e as Error).message}`);
    }
  }
  if (!/^https:\/\//.test(opts.apiServer)) throw new UsageError(`--api-server is "${opts.apiServer}"; accepted: an https:// URL`);
  return { server: opts.apiServer, ...(opts.caFile ? { ca: readFlagFile('--ca-file', opts.caFile) } : {}), ...(opts.tokenFile ? { tokenFile: opts.tokenFile } : {}) };
}

async function syncBlocklists(opts: SyncOptions): Promise<void> {
  const log = logger(opts.json);
  let namespace = opts.namespace;
  if (!namespace) {
    try {
      namespace = fs.readFileSync(path.join(syncModule().SERVICE_ACCOUNT_DIR, 'namespace'), 'utf8').trim();
    } catch {
      namespace = DEFAULT_PARAM_NAMESPACE;
    }
  }
  if (!fs.existsSync(opts.dir) || !fs.statSync(opts.dir).isDirectory()) throw new UsageError(`--dir ${opts.dir} is not a directory`);
  const sync = new (syncModule().ConfigMapSync)({ api: apiConfig(opts), namespace, labelSelector: opts.selector, dir: opts.dir });
  sync.on('synced', (s) => log('synced', { configMaps: s.names, generation: s.generation }, `wrote ${s.names.length} blocklist ConfigMap${s.names.length === 1 ? '' : 's'} to ${opts.dir} (${s.generation})`));
  sync.on('sync-failed', (f) => log('sync-failed', { error: f.error.message }, `sync failed, retrying; the last snapshot stays: ${f.error.message}`));
  const stop = (): void => sync.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  log('started', { namespace, selector: opts.selector, dir: opts.dir }, `syncing ConfigMaps ${opts.selector} in ${namespace} to ${opts.dir}`);
  try {
    await sync.run();
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
  log('stopped', {}, 'stopped');
}

/** The `webhook` command and its subcommands. Errors are thrown (AirlockError) for the CLI root to print once. */
export function webhookCommand(): Command {
  const webhook = new Command('webhook').description('admission webhook for clusters without ValidatingAdmissionPolicy (webhook mode)');
  webhook
    .command('serve')
    .description('serve AdmissionReview v1 over HTTPS on /validate, blocking the images that the blocklist ConfigMaps name')
    .requiredOption('--tls-cert <file>', 'PEM certificate chain the API server will verify (the caBundle of the ValidatingWebhookConfiguration)')
    .requiredOption('--tls-key <file>', 'PEM private key of the certificate')
    .option('--port <port>', 'port to listen on', '8443')
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .option('--blocklist <dir>', 'the blocklist ConfigMaps: a dist/ folder of manifests, or mounted ConfigMaps (one directory per ConfigMap)', 'dist')
    .addOption(new Option('--dist <dir>', 'old name of --blocklist').hideHelp())
    .option('--require-snapshot', 'stay not ready until <dir>/..data exists (a ConfigMap mount or the sync-blocklists sidecar wrote a complete snapshot)')
    .option('--resync <seconds>', 're-read the blocklists this often even without change events (0: only on change and SIGHUP)', '60')
    .option('--shutdown-delay <seconds>', 'on SIGTERM, fail readiness but keep answering this long before closing', '0')
    .option('--log-allowed', 'log allowed reviews too (denials are always logged)')
    .option('--json', 'log one JSON object per line (start, reloads, decisions) instead of text')
    .action((opts: ServeOptions) => serve(opts));
  webhook
    .command('sync-blocklists')
    .description('sidecar: write the blocklist ConfigMaps of a namespace into a directory for `serve`, atomically, as they change')
    .requiredOption('--dir <dir>', 'directory shared with the serve container (an emptyDir)')
    .option('--namespace <ns>', 'namespace of the blocklist ConfigMaps (default: the pod\'s own, else airlock-system)')
    .option('--selector <labels>', 'label selector of the blocklist ConfigMaps', `${BLOCKLIST_LABEL}=${BLOCKLIST_LABEL_VALUE}`)
    .option('--api-server <url>', 'Kubernetes API URL (default: in-cluster, from KUBERNETES_SERVICE_HOST and the service-account mount)')
    .option('--ca-file <file>', 'PEM CA of the API server (default: the service-account ca.crt)')
    .option('--token-file <file>', 'bearer token file, re-read on each request (default: the service-account token)')
    .option('--json', 'log one JSON object per line')
    .action((opts: SyncOptions) => syncBlocklists(opts));
  return webhook;
}
