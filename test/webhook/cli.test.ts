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
        '--tls-cert', path.join(dir, 'cert.pem'), '--tls-key', path.join(dir, 'key.pem'), '--dist', path.join(dir, 'dist'), '--json'],
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
  test('logs each decision as a JSON line', async () => {
    await request(`${url}/validate`, ca, { method: 'POST', body: admissionReview('b', { operation: 'CREATE', object: pod('nginx') }) });
    assert.deepEqual(JSON.parse(await out.next(/"uid":"b"/)), { event: 'decision', uid: 'b', allowed: true });
  });
  test('re-reads dist/ on SIGHUP', async () => {
    await fs.rm(path.join(dir, 'dist', 'inc-7'), { recursive: true });
    child.kill('SIGHUP');
    assert.deepEqual(JSON.parse(await out.next(/"event":"reloaded"/)).incidents, []);
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
  test('a certificate file that cannot be read', async () => {
    await assert.rejects(serve(['--tls-cert', path.join(os.tmpdir(), 'no-such-cert.pem'), '--tls-key', 'y']), (e: Error) => e instanceof UsageError && /--tls-cert/.test(e.message));
  });
});
