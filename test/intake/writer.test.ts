/**
 * The intake's git writer over a real server and a real bare remote whose hooks count or refuse pushes:
 * queued incidents go out as one batch (one push), a failed proposal is retried while running, a
 * permanently failing one neither blocks the others nor is lost, and closing waits for the repack the writer
 * started in the background. Nothing sleeps: the tests wait on `?wait=1` answers, on the processor's events
 * and on a FIFO that holds git's repack.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ObjectStore, PACKS_BEFORE_REPACK } from '../../src/git/object-store';
import { objectId } from '../../src/git/pack-file';
import type { IntakeEvent } from '../../src/intake/processor';
import { tempDir } from '../support/temp-dir';
import { bearer, falcoAlert, git, gitProject, metric, send, startTestIntake } from './support';

/** Installs an executable hook in the bare remote. */
function hook(remote: string, name: string, script: string): void {
  fs.writeFileSync(path.join(remote, 'hooks', name), `#!/bin/sh\n${script}`);
  fs.chmodSync(path.join(remote, 'hooks', name), 0o755);
}

/** Events of the processor, and a way to wait for the first one matching. */
function events(): { onEvent: (e: IntakeEvent) => void; next: (match: (e: IntakeEvent) => boolean) => Promise<IntakeEvent> } {
  const waiters: Array<{ match: (e: IntakeEvent) => boolean; resolve: (e: IntakeEvent) => void }> = [];
  return {
    onEvent: (e) => {
      for (const w of [...waiters]) if (w.match(e)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(e);
    },
    next: (match) => new Promise((resolve) => waiters.push({ match, resolve })),
  };
}

const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 };

/** The packs in a repository's object folder. */
function packCount(root: string): number {
  return fs.readdirSync(path.join(root, '.git', 'objects', 'pack')).filter((f) => f.endsWith('.pack')).length;
}

/** As many packs as the writer tolerates: its next batch's pack makes one too many (see ObjectStore.rollUpPacks). */
async function pileUpPacks(root: string): Promise<void> {
  const store = new ObjectStore(root);
  try {
    for (let i = 0; i < PACKS_BEFORE_REPACK; i++) {
      const content = Buffer.from(`pack ${i}\n`);
      await store.writePack([{ type: 'blob', oid: objectId('sha1', 'blob', content), content }], 'sha1');
    }
  } finally {
    store.close();
  }
  assert.equal(packCount(root), PACKS_BEFORE_REPACK);
}

/**
 * `git` on PATH for this process, held at every `repack` until released: `started` resolves when a repack
 * waits, `release()` lets it run. The gate is a FIFO the shim reads, so nothing polls.
 */
function gatedRepack(): { started: Promise<void>; release: () => void; restore: () => void } {
  const dir = tempDir('airlock-git-shim-');
  const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const gate = path.join(dir, 'gate');
  const started = path.join(dir, 'started');
  execFileSync('mkfifo', [gate]);
  fs.writeFileSync(path.join(dir, 'git'), `#!/bin/sh\nif [ "$1" = repack ]; then echo > '${started}'; read go < '${gate}'; fi\nexec '${real}' "$@"\n`, { mode: 0o755 });
  const pathBefore = process.env.PATH;
  process.env.PATH = `${dir}${path.delimiter}${pathBefore}`;
  // The shim creates `started` before it waits on the gate.
  const watcher = fs.watch(dir);
  const seen = new Promise<void>((resolve) => watcher.on('change', (_, name) => name === 'started' && resolve()));
  return {
    started: seen.finally(() => watcher.close()),
    // Opening the FIFO waits for the shim to open it too (it may be a moment behind `started`).
    release: () => fs.writeFileSync(gate, 'go\n'),
    restore: () => {
      process.env.PATH = pathBefore;
      watcher.close();
      // A repack still held (a failed test): let it go; without a reader there is nothing to open.
      try {
        fs.closeSync(fs.openSync(gate, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
      } catch {
        // no repack waiting
      }
    },
  };
}

describe('the intake git writer', { timeout: 120_000 }, () => {
  test('incidents queued while the writer was busy are proposed as one batch: one push, a branch each', async () => {
    const { root, remote } = gitProject();
    const log = path.join(path.dirname(remote), 'pushes.log');
    hook(remote, 'pre-receive', `echo push >> '${log}'\ncat > /dev/null\n`);
    // Accept and journal five alerts without proposing, as a process killed right after answering would;
    // the next start finds them all queued at once.
    const first = await startTestIntake(root, { propose: false });
    const ids: string[] = [];
    for (let k = 0; k < 5; k++) {
      const r = await send(`${first.intake.server.url}/v1/falco`, first.ca, { body: JSON.stringify(falcoAlert({ uuid: `batch-${k}`, fields: { 'k8s.pod.name': `web-batch-${k}` } })), headers: bearer() });
      assert.equal(r.status, 202, r.text);
      ids.push(r.json.incident);
    }
    await first.intake.close();

    const second = await startTestIntake(root);
    try {
      assert.equal(second.intake.replayed, 5);
      await second.intake.processor.idle();
      assert.equal(fs.readFileSync(log, 'utf8'), 'push\n');
      for (const [k, id] of ids.entries()) assert.match(git(remote, 'log', '-1', '--format=%(trailers)', `airlock/${id.toLowerCase()}`), new RegExp(`Airlock-Alert: batch-${k}\\n`));
    } finally {
      await second.intake.close();
    }
  });

  test('a proposal that failed is retried while running, after a backoff, and counted', async () => {
    const { root, remote } = gitProject();
    const marker = path.join(path.dirname(remote), 'refused-once');
    hook(remote, 'pre-receive', `cat > /dev/null\nif [ ! -e '${marker}' ]; then touch '${marker}'; echo 'remote busy' >&2; exit 1; fi\n`);
    const { onEvent, next } = events();
    const { intake, ca } = await startTestIntake(root, { retry: fast, onEvent });
    try {
      const proposed = next((e) => e.kind === 'proposed');
      const r = await send(`${intake.server.url}/v1/falco?wait=1`, ca, { body: JSON.stringify(falcoAlert({ uuid: 'retry-1' })), headers: bearer() });
      assert.equal(r.status, 502, r.text);
      const done = await proposed;
      assert.ok(done.kind === 'proposed' && done.pushed);
      assert.match(git(remote, 'log', '-1', '--format=%(trailers)', done.branch), /Airlock-Alert: retry-1/);
      const metrics = (await send(`${intake.server.url}/metrics`, ca, { method: 'GET' })).text;
      assert.equal(metric(metrics, 'airlock_intake_proposal_retries_total'), 1);
      assert.equal(metric(metrics, 'airlock_intake_proposals_total{result="failed"}'), 1);
      assert.equal(metric(metrics, 'airlock_intake_proposals_total{result="pushed"}'), 1);
      assert.deepEqual(fs.readdirSync(path.join(root, '.airlock', 'intake-queue')), [], 'journal emptied once it landed');
    } finally {
      await intake.close();
    }
  });

  test('a proposal that keeps failing does not block the others, is given up after its retries, and stays journalled', async () => {
    const { root, remote } = gitProject();
    // The remote refuses every push to main (break-glass) and accepts review branches.
    hook(remote, 'update', `if [ "$1" = refs/heads/main ]; then echo 'main is protected' >&2; exit 1; fi\n`);
    const { onEvent, next } = events();
    const { intake, ca } = await startTestIntake(root, { retry: fast, onEvent });
    try {
      const abandoned = next((e) => e.kind === 'abandoned');
      const critical = await send(`${intake.server.url}/v1/falco?wait=1`, ca, { body: JSON.stringify(falcoAlert({ uuid: 'stuck-1', priority: 'Critical', fields: { 'k8s.pod.name': 'worker-stuck' } })), headers: bearer() });
      assert.equal(critical.status, 502, critical.text);
      const normal = await send(`${intake.server.url}/v1/falco?wait=1`, ca, { body: JSON.stringify(falcoAlert({ uuid: 'fine-1', fields: { 'k8s.pod.name': 'web-fine' } })), headers: bearer() });
      assert.equal(normal.status, 200, normal.text);
      const gaveUp = await abandoned;
      assert.ok(gaveUp.kind === 'abandoned' && gaveUp.incident === critical.json.incident && gaveUp.retries === 2);
      const journalled = fs.readdirSync(path.join(root, '.airlock', 'intake-queue'));
      assert.equal(journalled.length, 1, 'the stuck alert waits in the journal for the next start');
      assert.match(fs.readFileSync(path.join(root, '.airlock', 'intake-queue', journalled[0]!), 'utf8'), /stuck-1/);
      const metrics = (await send(`${intake.server.url}/metrics`, ca, { method: 'GET' })).text;
      assert.equal(metric(metrics, 'airlock_intake_proposal_retries_exhausted_total'), 1);
    } finally {
      await intake.close();
    }
  });

  for (const writer of ['thread', 'inline'] as const) {
    test(`closing the intake waits for the repack its writer started in the background (${writer} writer)`, async () => {
      const { root } = gitProject();
      await pileUpPacks(root);
      const gate = gatedRepack();
      const { intake, ca } = await startTestIntake(root, { writer });
      let closing: Promise<void> | undefined;
      try {
        const r = await send(`${intake.server.url}/v1/falco?wait=1`, ca, { body: JSON.stringify(falcoAlert({ uuid: `repack-${writer}` })), headers: bearer() });
        assert.equal(r.status, 200, r.text);
        await gate.started;
        let closed = false;
        closing = intake.close().then(() => void (closed = true));
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(closed, false, 'close() waits while the repack is held');
        gate.release();
        await closing;
        assert.ok(packCount(root) < PACKS_BEFORE_REPACK, `${packCount(root)} packs left`);
      } finally {
        gate.restore();
        await (closing ?? intake.close());
      }
    });
  }
});
