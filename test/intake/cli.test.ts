/**
 * `airlock serve` as a process: flags, the secret from a file, JSON logs without the secret, start-up refusals
 * with the file and field named, and a clean stop on SIGTERM. Waits on log lines, never on a clock.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { bearer, falcoAlert, git, gitProject, send, SECRET } from './support';
import { testCertificate } from '../webhook/tls';
import { tempDir } from '../support/temp-dir';

const SCRIPT = path.join(__dirname, 'serve-cli.ts');
const run = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });

describe('airlock serve (CLI)', () => {
  test('refuses to start: unknown playbook (exit 3, file and field named), no secret, plain HTTP off loopback (exit 2)', () => {
    const { root } = gitProject({ 'alert-rules.ts': "import { defineAlertRules } from '../src/intake/rules';\nexport default defineAlertRules({ rules: [{ name: 'shell', match: {}, action: { playbook: 'isolate-pod' } }] });\n" });
    const bad = run(root, ['serve', '--port', '0'], { AIRLOCK_INTAKE_SECRET: SECRET });
    assert.equal(bad.status, 3, bad.stderr);
    assert.match(bad.stderr, /policies\/alert-rules\.ts rules\[0\]\.action\.playbook: "isolate-pod" is not a playbook exported by policies\/playbooks\.ts\n\s+accepted: cryptominer, exfiltration, isolatePod/);
    const noSecret = run(root, ['serve', '--port', '0'], { AIRLOCK_INTAKE_SECRET: '' });
    assert.equal(noSecret.status, 2);
    assert.match(noSecret.stderr, /AIRLOCK_INTAKE_SECRET is not set/);
    const plain = run(root, ['serve', '--host', '0.0.0.0'], { AIRLOCK_INTAKE_SECRET: SECRET });
    assert.equal(plain.status, 2);
    assert.match(plain.stderr, /needs TLS/);
    const short = run(root, ['serve', '--port', '0', '--secret-env', 'SHORT'], { SHORT: 'abc' });
    assert.equal(short.status, 2);
    assert.match(short.stderr, /at least 16/);
    assert.doesNotMatch(`${bad.stderr}${noSecret.stderr}${plain.stderr}`, new RegExp(SECRET));
  });

  test('refuses to start when the journal folder cannot be made (exit 2, --queue-dir named with the reason)', () => {
    const { root } = gitProject();
    fs.writeFileSync(path.join(root, 'queue'), 'a file where the journal folder should be');
    const r = run(root, ['serve', '--port', '0', '--queue-dir', 'queue/pending'], { AIRLOCK_INTAKE_SECRET: SECRET });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, 'airlock: --queue-dir queue/pending cannot be written: a part of the path is a file, not a folder (ENOTDIR); accepted: a path in an existing, writable folder\n');
  });

  test('serves HTTPS with the secret from a file, logs JSON without the secret, stops on SIGTERM', async () => {
    const { root, remote } = gitProject();
    const { key, cert } = await testCertificate();
    const dir = tempDir('airlock-serve-');
    fs.writeFileSync(path.join(dir, 'tls.crt'), cert);
    fs.writeFileSync(path.join(dir, 'tls.key'), key);
    fs.writeFileSync(path.join(dir, 'secret'), `${SECRET}\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, 'serve', '--port', '0', '--host', '127.0.0.1', '--tls-cert', path.join(dir, 'tls.crt'), '--tls-key', path.join(dir, 'tls.key'), '--secret-file', path.join(dir, 'secret'), '--json'], { cwd: root, env: { ...process.env, AIRLOCK_INTAKE_SECRET: '' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const lines: Array<Record<string, unknown>> = [];
    const waiters: Array<{ event: string; resolve: (l: Record<string, unknown>) => void }> = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      lines.push(parsed);
      for (const w of waiters.filter((x) => x.event === parsed.event)) w.resolve(parsed);
    });
    const next = (event: string) => new Promise<Record<string, unknown>>((resolve) => {
      const seen = lines.find((l) => l.event === event);
      if (seen) resolve(seen);
      else waiters.push({ event, resolve });
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const listening = await Promise.race([next('listening'), exited.then(() => assert.fail(`serve exited: ${stderr}`))]);
    const url = String(listening.url);
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await send(`${url}/v1/falco?wait=1`, cert, { body: JSON.stringify(falcoAlert({ uuid: 'cli-1' })), headers: bearer() });
    assert.equal(r.status, 200, r.text);
    assert.equal((await send(`${url}/v1/falco`, cert, { body: '{}', headers: bearer('nope-nope-nope-nope') })).status, 401);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    const events = lines.map((l) => l.event);
    for (const e of ['listening', 'replayed', 'accepted', 'proposed', 'request', 'stopping', 'stopped']) assert.ok(events.includes(e), `${e} in ${events.join(',')}`);
    assert.ok(lines.some((l) => l.event === 'request' && l.status === 401 && l.reason === 'wrong token'));
    assert.doesNotMatch(JSON.stringify(lines) + stderr, new RegExp(SECRET));
    assert.match(git(remote, 'log', '-1', '--format=%(trailers)', `airlock/${String(r.json.incident).toLowerCase()}`), /Airlock-Alert: cli-1/);
  });
});
