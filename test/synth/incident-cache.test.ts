/**
 * The synth cache's exactness rules (src/project/incident-cache.ts): which changes always make it re-read a
 * file or distrust a `dist/` folder. Files written by a test are seconds young, so the cache is opened with a
 * clock moved past SETTLED_MS instead of waiting.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { environmentKey, fileStamp, folderFingerprint, IncidentCache, SETTLED_MS } from '../../src/project/incident-cache';
import { isolate } from '../../src/incident/declare';
import { incident } from './fixtures';
import { tempDir } from '../support/temp-dir';

const INCIDENT = incident([isolate({ namespace: 'payments', pod: 'checkout-1' })]);

/** A clock at which every file written so far has settled. */
const settled = (): number => Date.now() + SETTLED_MS + 1000;

/** A project root with its own node_modules (where the cache lives), one incident file and a src/ file. */
function project(): { root: string; file: string } {
  const root = tempDir('airlock-cache-');
  fs.mkdirSync(path.join(root, 'node_modules'));
  fs.mkdirSync(path.join(root, 'src'));
  fs.writeFileSync(path.join(root, 'src', 'index.ts'), 'export const a = 1;\n');
  fs.mkdirSync(path.join(root, 'incidents'));
  const file = path.join(root, 'incidents', 'INC-7.ts');
  fs.writeFileSync(file, 'version one\n');
  backdate(file);
  backdate(path.join(root, 'src', 'index.ts'));
  return { root, file };
}

/** A whole second in the past: a modification time that `utimes` can set back exactly. */
const PAST = new Date('2026-01-01T00:00:00Z');

/** Gives a file the modification time {@link PAST}, as a tool preserving timestamps would. */
function backdate(file: string): void {
  fs.utimesSync(file, PAST, PAST);
}

/** Rewrites a file with other bytes of the same size and puts its modification time back to {@link PAST}. */
function editKeepingSizeAndMtime(file: string, text: string): void {
  const before = fs.statSync(file);
  assert.equal(Buffer.byteLength(text), before.size);
  assert.equal(before.mtimeMs, PAST.getTime(), 'backdate the file first');
  fs.writeFileSync(file, text);
  backdate(file);
}

describe('synth cache', () => {
  test('a settled, unchanged incident file is answered from the cache without reading it', () => {
    const { root, file } = project();
    const first = IncidentCache.open(root, { now: settled() });
    first.hashFile('incidents/INC-7.ts', file);
    // Recorded under a hash the bytes do not have: only a cache that skips reading the file can return it.
    first.setIncident('incidents/INC-7.ts', 'recorded', INCIDENT);
    first.save();
    assert.equal(IncidentCache.open(root, { now: settled() }).hashFile('incidents/INC-7.ts', file), 'recorded');
  });

  test('an incident file edited to the same size with its mtime put back is re-read (the change time moved)', () => {
    const { root, file } = project();
    const first = IncidentCache.open(root, { now: settled() });
    const hash = first.hashFile('incidents/INC-7.ts', file);
    first.setIncident('incidents/INC-7.ts', hash, INCIDENT);
    first.save();
    editKeepingSizeAndMtime(file, 'version two\n');
    const again = IncidentCache.open(root, { now: settled() });
    const edited = again.hashFile('incidents/INC-7.ts', file);
    assert.notEqual(edited, hash);
    assert.equal(again.incident('incidents/INC-7.ts', edited), undefined);
  });

  test('a file changed less than SETTLED_MS ago has no stamp, so it is always re-read', () => {
    const { file } = project();
    fs.writeFileSync(file, 'version two\n');
    assert.equal(fileStamp(file), undefined);
    assert.equal(fileStamp(file, Date.now() + SETTLED_MS / 2), undefined);
    assert.match(fileStamp(file, settled()) ?? '', /^\d+:12:\d+:\d+$/);
  });

  test('the environment key reuses settled hashes yet changes with a same-size edit of src/', () => {
    const { root } = project();
    const known = {};
    const before = environmentKey(root, known, settled());
    assert.equal(environmentKey(root, known, settled()), before);
    assert.equal(environmentKey(root), before, 'with or without known hashes, the same key');
    editKeepingSizeAndMtime(path.join(root, 'src', 'index.ts'), 'export const a = 2;\n');
    assert.notEqual(environmentKey(root, known, settled()), before);
  });

  test('a new key (src/ changed) empties the cache', () => {
    const { root, file } = project();
    const first = IncidentCache.open(root, { now: settled() });
    const hash = first.hashFile('incidents/INC-7.ts', file);
    first.setIncident('incidents/INC-7.ts', hash, INCIDENT);
    first.save();
    assert.ok(IncidentCache.open(root).incident('incidents/INC-7.ts', hash));
    fs.writeFileSync(path.join(root, 'src', 'other.ts'), 'export {};\n');
    assert.equal(IncidentCache.open(root).incident('incidents/INC-7.ts', hash), undefined);
  });

  describe('a dist/ folder fingerprint', () => {
    function folder(): string {
      const dir = tempDir('airlock-folder-');
      fs.writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources:\n- a.yaml\n');
      fs.writeFileSync(path.join(dir, 'a.yaml'), 'kind: A\n');
      backdate(path.join(dir, 'kustomization.yaml'));
      return dir;
    }

    test('changes when a file is added, removed or replaced by rename', () => {
      const dir = folder();
      const steps: Array<() => void> = [
        () => fs.writeFileSync(path.join(dir, 'stray.yaml'), 'x\n'),
        () => fs.rmSync(path.join(dir, 'stray.yaml')),
        () => {
          fs.writeFileSync(path.join(dir, 'a.yaml.new'), 'kind: B\n');
          fs.renameSync(path.join(dir, 'a.yaml.new'), path.join(dir, 'a.yaml'));
        },
      ];
      for (const step of steps) {
        const before = folderFingerprint(dir);
        step();
        assert.notEqual(folderFingerprint(dir), before, step.toString());
      }
    });

    test('changes when kustomization.yaml is edited in place', () => {
      const dir = folder();
      const before = folderFingerprint(dir);
      editKeepingSizeAndMtime(path.join(dir, 'kustomization.yaml'), 'resources:\n- b.yaml\n');
      assert.notEqual(folderFingerprint(dir), before);
    });

    test('does not change when another file is edited in place (the documented limit: synth --check sees it)', () => {
      const dir = folder();
      const before = folderFingerprint(dir);
      fs.writeFileSync(path.join(dir, 'a.yaml'), 'kind: B\n');
      assert.equal(folderFingerprint(dir), before);
    });

    test('is undefined for a missing folder', () => {
      assert.equal(folderFingerprint(path.join(os.tmpdir(), 'airlock-no-such-folder')), undefined);
    });
  });
});
