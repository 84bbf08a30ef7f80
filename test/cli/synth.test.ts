/** `airlock synth` end to end: the real CLI on temp projects. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { airlock, incidentSource, makeProject, REPO, snapshotTree } from '../support/project';
import { tempDir } from '../support/temp-dir';

describe('airlock synth', () => {
  test('the committed dist/ matches what the example incidents synthesize to (synth --check)', () => {
    const result = airlock(REPO, ['synth', '--check']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  test('synthesizes the same bytes twice, and a second run changes nothing', () => {
    const root = makeProject();
    assert.equal(airlock(root, ['synth']).status, 0);
    const first = snapshotTree(path.join(root, 'dist'));
    const second = airlock(root, ['synth', '--json']);
    assert.equal(second.status, 0);
    assert.equal(JSON.parse(second.stdout).clean, true);
    fs.rmSync(path.join(root, 'dist'), { recursive: true });
    assert.equal(airlock(root, ['synth']).status, 0);
    assert.deepEqual(snapshotTree(path.join(root, 'dist')), first);
  });

  test('an invalid incident leaves dist/ byte-identical, names file and field, and exits 3', () => {
    const root = makeProject();
    assert.equal(airlock(root, ['synth']).status, 0);
    const before = snapshotTree(path.join(root, 'dist'));
    fs.writeFileSync(path.join(root, 'incidents/INC-9.ts'), incidentSource('INC-9', `isolate({ namespace: 'Payments', pod: 'x' })`));
    const result = airlock(root, ['synth']);
    assert.equal(result.status, 3);
    assert.match(result.stderr, /incidents\/INC-9\.ts actions\[0\]\.namespace: "Payments" is not a DNS-1123 label\n\s+accepted: lower-case letters/);
    assert.deepEqual(snapshotTree(path.join(root, 'dist')), before);
  });

  test('a TypeScript syntax error is reported with file and line, not a stack trace', () => {
    const root = makeProject({ incidents: { 'INC-1.ts': "import { defineIncident } from '../src';\nexport default defineIncident({\n  id: 'INC-1',\n  title: ,\n});\n" } });
    const result = airlock(root, ['synth']);
    assert.equal(result.status, 3);
    assert.match(result.stderr, /incidents\/INC-1\.ts:4:\d+ syntax error/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  test('problems of several files are reported together, with --json listing them', () => {
    const root = makeProject({
      incidents: {
        'INC-1.ts': incidentSource('INC-1', `isolate({ namespace: 'kube-system', pod: 'coredns-1' })`),
        'INC-2.ts': incidentSource('INC-2', `blockImages({ images: ['nginx@sha256:abc'], reason: 'x' })`),
      },
    });
    const result = airlock(root, ['synth', '--json']);
    assert.equal(result.status, 3);
    const problems = JSON.parse(result.stdout).error.problems as Array<{ file: string; field: string }>;
    assert.deepEqual(problems.map((p) => `${p.file} ${p.field}`), ['incidents/INC-1.ts actions[0].namespace', 'incidents/INC-2.ts actions[0].images[0]']);
  });

  test('two incidents whose ids differ only in case are refused', () => {
    const root = makeProject({ incidents: { 'INC-1.ts': incidentSource('INC-1', `quarantineNamespace({ namespace: 'a' })`), 'inc-1.ts': incidentSource('inc-1', `quarantineNamespace({ namespace: 'b' })`) } });
    const result = airlock(root, ['synth']);
    assert.equal(result.status, 3);
    assert.match(result.stderr, /is also the id of/);
  });

  test('synth --check exits 1 and lists the files when dist/ drifted', () => {
    const root = makeProject();
    assert.equal(airlock(root, ['synth']).status, 0);
    const file = path.join(root, 'dist/inc-2026-0143/kustomization.yaml');
    fs.appendFileSync(file, '# hand edit\n');
    fs.writeFileSync(path.join(root, 'dist/inc-2026-0143/extra.yaml'), 'x: 1\n');
    const result = airlock(root, ['synth', '--check']);
    assert.equal(result.status, 1);
    assert.match(result.stdout, /~ dist\/inc-2026-0143\/kustomization\.yaml/);
    assert.match(result.stdout, /- dist\/inc-2026-0143\/extra\.yaml/);
    assert.match(fs.readFileSync(file, 'utf8'), /# hand edit/, '--check writes nothing');
  });

  test('a lifted incident produces nothing, and lifting removes its folder', () => {
    const root = makeProject({ incidents: { 'INC-1.ts': incidentSource('INC-1', `quarantineNamespace({ namespace: 'a' })`) } });
    assert.equal(airlock(root, ['synth']).status, 0);
    assert.ok(fs.existsSync(path.join(root, 'dist/inc-1/kustomization.yaml')));
    fs.writeFileSync(path.join(root, 'incidents/INC-1.ts'), incidentSource('INC-1', `quarantineNamespace({ namespace: 'a' })`, "\n  status: 'lifted',"));
    assert.equal(airlock(root, ['synth']).status, 0);
    assert.equal(fs.existsSync(path.join(root, 'dist/inc-1')), false);
    assert.deepEqual(fs.readdirSync(path.join(root, 'dist')), ['_evidence', '_platform']);
    assert.deepEqual(fs.readdirSync(path.join(root, 'dist/_evidence/incidents')), ['README.md'], 'no capture folder is left either');
  });

  test('only the changed incident folder is rewritten', () => {
    const root = makeProject();
    assert.equal(airlock(root, ['synth']).status, 0);
    const untouched = path.join(root, 'dist/inc-2026-0142/kustomization.yaml');
    const inode = fs.statSync(untouched).ino;
    const file = path.join(root, 'incidents/INC-2026-0143.ts');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("severity: 'high'", "severity: 'critical'"));
    const result = airlock(root, ['synth', '--json']);
    assert.equal(result.status, 0);
    assert.deepEqual(JSON.parse(result.stdout).changed.filter((f: string) => !f.startsWith('dist/inc-2026-0143/')), []);
    assert.equal(fs.statSync(untouched).ino, inode);
  });

  test('npx cdk8s synth writes the same dist/ as airlock synth', () => {
    const root = makeProject();
    fs.copyFileSync(path.join(REPO, 'cdk8s.yaml'), path.join(root, 'cdk8s.yaml'));
    assert.equal(airlock(root, ['synth']).status, 0);
    const expected = snapshotTree(path.join(root, 'dist'));
    const cdk8s = spawnSync(path.join(REPO, 'node_modules/.bin/cdk8s'), ['synth'], { cwd: root, encoding: 'utf8' });
    assert.equal(cdk8s.status, 0, cdk8s.stderr);
    assert.deepEqual(snapshotTree(path.join(root, 'dist')), expected);
  });

  test('with a warm cache, a hand edit of a dist/ file is still found and undone', () => {
    const root = makeProject();
    assert.equal(airlock(root, ['synth']).status, 0);
    assert.equal(airlock(root, ['synth']).status, 0);
    const file = path.join(root, 'dist/inc-2026-0142/kustomization.yaml');
    const original = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, original.replace('resources:', 'resources: # edited'));
    const result = airlock(root, ['synth', '--json']);
    assert.deepEqual(JSON.parse(result.stdout).changed, ['dist/inc-2026-0142/kustomization.yaml']);
    assert.equal(fs.readFileSync(file, 'utf8'), original);
  });

  test('with a warm cache, a manifest replaced in dist/ (git checkout, an editor saving by rename) is found and undone', () => {
    const root = makeProject();
    assert.equal(airlock(root, ['synth']).status, 0);
    const file = path.join(root, 'dist/inc-2026-0142/networkpolicy-payments.airlock-inc-2026-0142-0-isolate-pod.yaml');
    const original = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(`${file}.swp`, original.replace('policyTypes:', 'policyTypes: # edited'));
    fs.renameSync(`${file}.swp`, file);
    const result = airlock(root, ['synth', '--json']);
    assert.deepEqual(JSON.parse(result.stdout).changed, ['dist/inc-2026-0142/networkpolicy-payments.airlock-inc-2026-0142-0-isolate-pod.yaml']);
    assert.equal(fs.readFileSync(file, 'utf8'), original);
  });

  test('with a warm cache, a file added to or removed from a folder is undone, the platform folder included', () => {
    const root = makeProject();
    assert.equal(airlock(root, ['synth']).status, 0);
    fs.writeFileSync(path.join(root, 'dist/inc-2026-0143/stray.yaml'), 'kind: Stray\n');
    fs.rmSync(path.join(root, 'dist/_platform/namespace-airlock-system.yaml'));
    const result = JSON.parse(airlock(root, ['synth', '--json']).stdout);
    assert.deepEqual(result.removed, ['dist/inc-2026-0143/stray.yaml']);
    assert.deepEqual(result.added, ['dist/_platform/namespace-airlock-system.yaml']);
  });

  test('a manifest edited in place is trusted by a cached synth, reported by synth --check and repaired by synth --no-cache', () => {
    const root = makeProject();
    assert.equal(airlock(root, ['synth']).status, 0);
    const file = path.join(root, 'dist/inc-2026-0142/networkpolicy-payments.airlock-inc-2026-0142-0-isolate-pod.yaml');
    const original = fs.readFileSync(file, 'utf8');
    fs.appendFileSync(file, '# edited in place\n');
    assert.equal(JSON.parse(airlock(root, ['synth', '--json']).stdout).clean, true, 'the documented limit of the cache');
    const check = airlock(root, ['synth', '--check']);
    assert.equal(check.status, 1);
    assert.match(check.stdout, /~ dist\/inc-2026-0142\/networkpolicy-payments\.airlock-inc-2026-0142-0-isolate-pod\.yaml/);
    assert.deepEqual(JSON.parse(airlock(root, ['synth', '--no-cache', '--json']).stdout).changed, ['dist/inc-2026-0142/networkpolicy-payments.airlock-inc-2026-0142-0-isolate-pod.yaml']);
    assert.equal(fs.readFileSync(file, 'utf8'), original);
  });

  test('the project option may come before the command (-C DIR synth)', () => {
    const root = makeProject();
    const result = airlock(os.tmpdir(), ['-C', root, 'synth', '--json']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).activeIncidents, 3);
    assert.ok(fs.existsSync(path.join(root, 'dist/_platform/kustomization.yaml')));
  });

  test('a settings change re-synthesizes incidents the cache already knew', () => {
    const root = makeProject();
    assert.equal(airlock(root, ['synth']).status, 0);
    const settings = path.join(root, 'policies/settings.ts');
    fs.writeFileSync(settings, fs.readFileSync(settings, 'utf8').replace("defaultProfile: 'cluster'", "defaultProfile: 'none'"));
    const result = airlock(root, ['synth', '--json']);
    assert.equal(result.status, 0, result.stderr);
    assert.ok(JSON.parse(result.stdout).changed.includes('dist/inc-2026-0143/networkpolicy-data.airlock-inc-2026-0143-0-restrict-egress.yaml'));
  });

  test("what a run transpiled is in tsx's transform cache, whole, when the process has exited", () => {
    const root = makeProject();
    const tmp = tempDir('airlock-tsx-cache-');
    const result = airlock(root, ['synth'], { TMPDIR: tmp });
    assert.equal(result.status, 0, result.stderr);
    const cache = path.join(tmp, `tsx-${os.userInfo().uid}`);
    const entries = fs.readdirSync(cache);
    assert.ok(entries.length > 0, 'the policies files went through tsx');
    for (const entry of entries) assert.doesNotThrow(() => JSON.parse(fs.readFileSync(path.join(cache, entry), 'utf8')), `${entry} is a whole cache entry`);
  });
});
