/** `airlock webhook serve` as an operator runs it: a real process, real files, real HTTPS on loopback, signals. */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { once } from 'node:events';
import { stringify } from 'yaml';
import { blocklistConfigMap } from '../../src/admission';
import { webhookCommand } from '../../src/cli/commands/webhook';
import { UsageError } from '../../src/errors';
import { airlock } from '../support/project';
import { admissionReview, request } from './client';
import { testCertificate } from './tls';

const ROOT = path.resolve(__dirname, '../..');
const pod = (image: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: { containers: [{ name: 'c', image }] } });

/** Collects a child's stdout lines and waits for one matching a pattern. */
class Lines {
  private buffer = '';
  readonly lines: string[] = [];
  private waiters: Array<{ re: RegExp; resolve: (line: string) => void }> = [];
  constructor(child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.buffer += chunk;
      let i: number;
      while ((i = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 1);
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => (w.re.test(line) ? (w.resolve(line), false) : true));
      }
    });
  }
  next(re: RegExp): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    return seen ? Promise.resolve(seen) : new Promise((resolve) => this.waiters.push({ re, resolve }));
  }
}

describe('airlock webhook serve', () => {
  let dir: string;
  let child: ChildProcess;
  let out: Lines;
  let ca: string;
  let url: string;

  before(async () => {
    const { key, cert } = await testCertificate();
    ca = cert;
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-webhook-cli-'));
    await fs.mkdir(path.join(dir, 'dist', 'inc-7'), { recursive: true });
    await fs.writeFile(path.join(dir, 'cert.pem'), cert);
    await fs.writeFile(path.join(dir, 'key.pem'), key);
    const cm = blocklistConfigMap({ incident: { id: 'INC-7', slug: 'inc-7', actions: [{ kind: 'blockImages', reason: 'leaked key', images: ['ghcr.io/acme/leaky'] }] } });
    await fs.writeFile(path.join(dir, 'dist', 'inc-7', 'blocklist.yaml'), stringify(cm));
    child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'fixtures', 'airlock-webhook.ts'), 'serve', '--host', '127.0.0.1', '--port', '0',
        '--tls-cert', path.join(dir, 'cert.pem'), '--tls-key', path.join(dir, 'key.pem'), '--blocklist', path.join(dir, 'dist'), '--json', '--log-allowed'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    out = new Lines(child);
    url = JSON.parse(await out.next(/"event":"listening"/)).url;
  });
  after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('starts with the blocklists of dist/ and denies their images', async () => {
    const r = await request(`${url}/validate`, ca, { method: 'POST', body: admissionReview('a', { operation: 'CREATE', object: pod('ghcr.io/acme/leaky:3') }) });
    assert.equal(JSON.parse(r.body).response.status.message, 'image ghcr.io/acme/leaky:3 is blocked by incident INC-7: leaked key');
  });
  test('logs each decision as a JSON line (allowed ones with --log-allowed)', async () => {
    await request(`${url}/validate`, ca, { method: 'POST', body: admissionReview('b', { operation: 'CREATE', object: pod('nginx') }) });
    assert.deepEqual(JSON.parse(await out.next(/"uid":"b"/)), { event: 'decision', uid: 'b', allowed: true });
  });
  test('reloads when the blocklist directory changes, and logs it', async () => {
    const staging = path.join(dir, 'dist', '.staging');
    await fs.mkdir(staging);
    const cm = blocklistConfigMap({ incident: { id: 'INC-8', slug: 'inc-8', actions: [{ kind: 'blockImages', reason: 'typosquat', images: ['ghcr.io/acme/lefty'] }] } });
    await fs.writeFile(path.join(staging, 'blocklist.yaml'), stringify(cm));
    await fs.rename(staging, path.join(dir, 'dist', 'inc-8'));
    assert.deepEqual(JSON.parse(await out.next(/"event":"reloaded","trigger":"change"/)), { event: 'reloaded', trigger: 'change', changed: true, incidents: ['INC-7', 'INC-8'] });
    const r = await request(`${url}/validate`, ca, { method: 'POST', body: admissionReview('d', { operation: 'CREATE', object: pod('ghcr.io/acme/lefty') }) });
    assert.equal(JSON.parse(r.body).response.allowed, false);
  });
  test('reloads the TLS certificate when its directory changes (cert-manager renewal)', async () => {
    await fs.writeFile(path.join(dir, 'cert.pem'), ca);
    assert.equal(JSON.parse(await out.next(/"event":"tls-reloaded"/)).trigger, 'change');
    assert.equal((await request(`${url}/healthz`, ca)).status, 200);
  });
  test('re-reads the blocklists on SIGHUP', async () => {
    await fs.rm(path.join(dir, 'dist', 'inc-7'), { recursive: true });
    await fs.rm(path.join(dir, 'dist', 'inc-8'), { recursive: true });
    child.kill('SIGHUP');
    assert.deepEqual(JSON.parse(await out.next(/"event":"reloaded","trigger":"signal"/)).incidents, []);
    const r = await request(`${url}/validate`, ca, { method: 'POST', body: admissionReview('c', { operation: 'CREATE', object: pod('ghcr.io/acme/leaky:3') }) });
    assert.equal(JSON.parse(r.body).response.allowed, true);
  });
  test('stops cleanly on SIGTERM', async () => {
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    assert.ok(out.lines.some((l) => l.includes('"event":"stopped"')));
  });
});

describe('airlock webhook serve refuses bad usage', () => {
  const serve = (args: string[]) => webhookCommand().exitOverride().parseAsync(['serve', ...args], { from: 'user' });
  test('a port that is not a number', async () => {
    await assert.rejects(serve(['--port', 'http', '--tls-cert', 'x', '--tls-key', 'y']), (e: Error) => e instanceof UsageError && /--port is "http"/.test(e.message));
  });
  test('a resync interval that is not whole seconds', async () => {
    await assert.rejects(serve(['--resync', '1.5', '--tls-cert', 'x', '--tls-key', 'y']), (e: Error) => e instanceof UsageError && /--resync is "1.5"/.test(e.message));
  });
  test('a certificate file that cannot be read', async () => {
    const missing = path.join(os.tmpdir(), 'no-such-cert.pem');
    await assert.rejects(serve(['--tls-cert', missing, '--tls-key', 'y']), (e: Error) => e instanceof UsageError && e.message === `--tls-cert ${missing} cannot be read: it does not exist (ENOENT); accepted: a readable file`);
  });
});

test('a missing required option of a webhook subcommand exits 2, like every usage error', () => {
  for (const sub of ['serve', 'sync-blocklists']) {
    const result = airlock(ROOT, ['webhook', sub]);
    assert.equal(result.status, 2, `webhook ${sub}: ${result.stderr}`);
    assert.match(result.stderr, /^error: required option '--[a-z-]+ <[a-z]+>' not specified\n\(run with --help for usage\)\n$/);
  }
});

describe('airlock webhook sync-blocklists refuses bad usage', () => {
  const sync = (args: string[]) => webhookCommand().exitOverride().parseAsync(['sync-blocklists', ...args], { from: 'user' });
  test('a --dir that is not a directory', async () => {
    await assert.rejects(sync(['--dir', path.join(os.tmpdir(), 'airlock-no-such-dir'), '--api-server', 'https://127.0.0.1:1']), (e: Error) => e instanceof UsageError && /--dir .* is not a directory/.test(e.message));
  });
  test('an API server that is not https', async () => {
    await assert.rejects(sync(['--dir', os.tmpdir(), '--api-server', 'http://127.0.0.1:8080']), (e: Error) => e instanceof UsageError && /--api-server is "http:\/\/127\.0\.0\.1:8080"; accepted: an https:\/\/ URL/.test(e.message));
  });
});
