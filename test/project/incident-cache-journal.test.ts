/**
 * The synth cache file as a snapshot plus a journal (src/project/incident-cache.ts): a run that changed a few
 * entries appends them; what a later run reads is the same either way.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { isolate } from '../../src/incident/declare';
import { IncidentCache, JOURNAL_LIMIT, projectCacheFile, SETTLED_MS } from '../../src/project/incident-cache';
import { validateIncident } from '../../src/incident/validate-incident';
import type { Incident } from '../../src/incident/types';
import { DEFAULT_GUARDRAILS } from '../../src/settings/settings';
import { tempDir } from '../support/temp-dir';

/** A clock at which every file written so far has settled. */
const settled = (): number => Date.now() + SETTLED_MS + 1000;

function incident(id: string): Incident {
  const result = validateIncident(
    { id, title: 't', severity: 'high', openedAt: '2026-11-22T03:12:00Z', owner: 'o', actions: [isolate({ namespace: 'payments', pod: 'checkout-1' })] },
    { file: `incidents/${id}.ts`, guardrails: DEFAULT_GUARDRAILS },
  );
  assert.ok(result.incident, JSON.stringify(result.problems));
  return result.incident;
}

/** A project root with node_modules (where the cache lives) and a src/ file (the cache key covers it). */
function project(): string {
  const root = tempDir('airlock-journal-');
  fs.mkdirSync(path.join(root, 'node_modules'));
  fs.mkdirSync(path.join(root, 'src'));
  fs.writeFileSync(path.join(root, 'src', 'index.ts'), 'export const a = 1;\n');
  return root;
}

/** Opens the cache, records `id` under `hash`, saves. */
function record(root: string, id: string, hash: string): void {
  const cache = IncidentCache.open(root, { now: settled() });
  cache.setIncident(`incidents/${id}.ts`, hash, incident(id));
  cache.save();
}

const lines = (root: string): string[] => fs.readFileSync(projectCacheFile(root, 'synth'), 'utf8').split('\n').filter(Boolean);
const known = (root: string, id: string, hash: string): boolean => IncidentCache.open(root, { now: settled() }).incident(`incidents/${id}.ts`, hash) !== undefined;

describe('synth cache file', () => {
  test('a save after a few changes appends them to the file, leaving the snapshot as written', () => {
    const root = project();
    record(root, 'INC-1', 'h1');
    const [snapshot] = lines(root);
    const inode = fs.statSync(projectCacheFile(root, 'synth')).ino;
    record(root, 'INC-2', 'h2');
    record(root, 'INC-1', 'h1-edited');
    assert.equal(lines(root).length, 3);
    assert.equal(lines(root)[0], snapshot);
    assert.equal(fs.statSync(projectCacheFile(root, 'synth')).ino, inode);
    assert.ok(known(root, 'INC-2', 'h2'));
    assert.ok(known(root, 'INC-1', 'h1-edited'));
    assert.ok(!known(root, 'INC-1', 'h1'));
  });

  test('an incident forgotten by retain stays forgotten after the file is read again', () => {
    const root = project();
    record(root, 'INC-1', 'h1');
    record(root, 'INC-2', 'h2');
    const cache = IncidentCache.open(root, { now: settled() });
    cache.retain(new Set(['incidents/INC-2.ts']));
    cache.save();
    assert.ok(!known(root, 'INC-1', 'h1'));
    assert.ok(known(root, 'INC-2', 'h2'));
  });

  test('journal lines written under another cache key are ignored', () => {
    const root = project();
    record(root, 'INC-1', 'h1');
    record(root, 'INC-2', 'h2');
    const [snapshot, line] = lines(root);
    const { key } = JSON.parse(snapshot.split('\t')[0]) as { key: string };
    fs.writeFileSync(projectCacheFile(root, 'synth'), `${snapshot}\n${line.replace(key, 'another key')}\n`);
    assert.ok(!known(root, 'INC-2', 'h2'));
    assert.ok(known(root, 'INC-1', 'h1'));
  });

  test('an incident reads back whole, from the snapshot and from the journal', () => {
    const root = project();
    record(root, 'INC-1', 'h1');
    record(root, 'INC-2', 'h2');
    assert.equal(lines(root).length, 2);
    const cache = IncidentCache.open(root, { now: settled() });
    for (const [id, hash] of [['INC-1', 'h1'], ['INC-2', 'h2']]) {
      const outline = cache.incident(`incidents/${id}.ts`, hash);
      assert.deepEqual(outline?.incident, incident(id));
      assert.deepEqual([outline?.file, outline?.slug, outline?.status, outline?.captures], [`incidents/${id}.ts`, id.toLowerCase(), 'active', false]);
    }
  });

  test('a line cut short ends the journal, and the next save writes a new snapshot', () => {
    const root = project();
    record(root, 'INC-1', 'h1');
    const file = projectCacheFile(root, 'synth');
    fs.appendFileSync(file, '{"key":"cut sh');
    assert.ok(known(root, 'INC-1', 'h1'));
    record(root, 'INC-2', 'h2');
    assert.equal(lines(root).length, 1);
    assert.ok(known(root, 'INC-2', 'h2'));
    assert.ok(known(root, 'INC-1', 'h1'));
  });

  test(`after ${JOURNAL_LIMIT} journal lines, a save compacts the file into one snapshot`, () => {
    const root = project();
    record(root, 'INC-1', 'h0');
    for (let i = 1; i <= JOURNAL_LIMIT; i++) record(root, 'INC-1', `h${i}`);
    assert.equal(lines(root).length, 1 + JOURNAL_LIMIT);
    record(root, 'INC-1', 'last');
    assert.equal(lines(root).length, 1);
    assert.ok(known(root, 'INC-1', 'last'));
  });
});
