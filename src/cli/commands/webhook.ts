/**
 * `airlock webhook serve`: the HTTPS admission webhook for clusters in webhook mode. Thin: the blocklists come
 * from the ConfigMaps in `dist/` (src/webhook/blocklist-source), decisions from src/webhook/review.
 *
 * Runs until SIGTERM or SIGINT (then drains open connections); SIGHUP re-reads `dist/` (a reload that fails
 * keeps the blocklists it had and says why).
 */
import * as fs from 'node:fs';
import { Command } from 'commander';
import { UsageError } from '../../errors';
import { loadBlocklists } from '../../webhook/blocklist-source';
import { startWebhookServer, type WebhookDecision } from '../../webhook/server';
import type { Blocklist } from '../../admission/blocklist';

interface ServeOptions {
  readonly port: string;
  readonly host: string;
  readonly tlsCert: string;
  readonly tlsKey: string;
  readonly dist: string;
  readonly json?: boolean;
}

function readPem(file: string, flag: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new UsageError(`${flag} ${file} cannot be read: ${(e as Error).message}`);
  }
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`--port is "${value}"; accepted: 0–65535 (0 picks a free port)`);
  return port;
}

function summary(blocklists: readonly Blocklist[]): string {
  const entries = blocklists.reduce((n, b) => n + b.digests.size + b.tags.size + b.repositories.size, 0);
  return `${entries} blocked image entr${entries === 1 ? 'y' : 'ies'} from ${blocklists.length} incident${blocklists.length === 1 ? '' : 's'}`;
}

/** The `webhook` command and its `serve` subcommand. Errors are thrown (AirlockError) for the CLI root to print once. */
export function webhookCommand(): Command {
  const webhook = new Command('webhook').description('admission webhook for clusters without ValidatingAdmissionPolicy (webhook mode)');
  webhook
    .command('serve')
    .description('serve AdmissionReview v1 over HTTPS on /validate, blocking the images that the blocklist ConfigMaps in dist/ name')
    .requiredOption('--tls-cert <file>', 'PEM certificate chain the API server will verify (the caBundle of the ValidatingWebhookConfiguration)')
    .requiredOption('--tls-key <file>', 'PEM private key of the certificate')
    .option('--port <port>', 'port to listen on', '8443')
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .option('--dist <dir>', 'the synthesized dist/ folder holding the blocklist ConfigMaps', 'dist')
    .option('--json', 'log one JSON object per line (start, reload, each decision) instead of text')
    .action(async (opts: ServeOptions) => {
      const port = parsePort(opts.port);
      const cert = readPem(opts.tlsCert, '--tls-cert');
      const key = readPem(opts.tlsKey, '--tls-key');
      const log = (event: string, fields: Record<string, unknown>, text: string): void => {
        process.stdout.write(opts.json ? `${JSON.stringify({ event, ...fields })}\n` : `${text}\n`);
      };
      const blocklists = await loadBlocklists(opts.dist);
      const onDecision = (d: WebhookDecision): void => {
        if (opts.json) log('decision', { ...d }, '');
        else if (!d.allowed) log('decision', {}, `denied ${d.uid}: ${d.message}`);
      };
      const server = await startWebhookServer({ key, cert, port, host: opts.host, blocklists, onDecision });
      log('listening', { url: server.url, incidents: blocklists.map((b) => b.incident) }, `listening on ${server.url} with ${summary(blocklists)} (${opts.dist})`);

      const reload = (): void => {
        loadBlocklists(opts.dist).then(
          (next) => {
            server.setBlocklists(next);
            log('reloaded', { incidents: next.map((b) => b.incident) }, `reloaded ${summary(next)}`);
          },
          (e: Error) => log('reload-failed', { error: e.message }, `reload failed, keeping the previous blocklists: ${e.message}`),
        );
      };
      const stop = (): void => {
        void server.close();
      };
      process.on('SIGHUP', reload);
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      try {
        await server.closed;
      } finally {
        process.off('SIGHUP', reload);
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
      }
      log('stopped', {}, 'stopped');
    });
  return webhook;
}
