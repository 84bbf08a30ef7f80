/**
 * The intake's synthesis of the incidents it has just written: their folders as `synth` would write them,
 * every other folder of `dist/` left alone.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { ValidationError } from '../../src/errors';
import { synthIncidents } from '../../src/synth/synth-incidents';
import { EVIDENCE, incidentsWithCapture, resynth, settingsSource, synthesizedRepo } from '../gitops/fixtures';
import { incidentSource, makeProject, snapshotTree } from '../support/project';

const NEW = incidentSource('INC-9', "captureEvidence({ namespace: 'shop', pod: 'cart-0' }), isolate({ namespace: 'shop', pod: 'cart-0' })");

/** A synthesized project of three incidents, and a copy of it where `synth` ran after the same edits. */
function twins(spec: object, edit: (root: string) => void): { root: string; reference: string } {
  const { root } = synthesizedRepo(spec, incidentsWithCapture());
  const reference = makeProject({ policies: { 'settings.ts': settingsSource(spec) }, incidents: incidentsWithCapture() });
  resynth(reference);
  edit(root);
  edit(reference);
  resynth(reference);
  return { root, reference };
}

describe('synthesizing only the incidents just written', () => {
  for (const [layout, spec] of [
    ['one cluster', EVIDENCE],
    ['several clusters', { ...EVIDENCE, clusters: [{ name: 'eu' }, { name: 'us' }] }],
  ] as const) {
    test(`a new incident's folders are byte for byte what synth writes, and dist/ ends up the same (${layout})`, () => {
      const { root, reference } = twins(spec, (r) => fs.writeFileSync(path.join(r, 'incidents/INC-9.ts'), NEW));
      const { project, diff } = synthIncidents(root, ['incidents/INC-9.ts']);
      assert.deepEqual(
        project.incidents.map((i) => i.id),
        ['INC-9'],
      );
      assert.ok(diff.added.some((f) => f.includes('inc-9')));
      assert.deepEqual(snapshotTree(path.join(root, 'dist')), snapshotTree(path.join(reference, 'dist')));
    });
  }

  test("another incident's folder is neither read nor rewritten, even when stale", () => {
    const { root } = synthesizedRepo(EVIDENCE, incidentsWithCapture());
    const stale = path.join(root, 'dist/inc-1/runbook.md');
    fs.writeFileSync(stale, 'edited by hand\n');
    fs.writeFileSync(path.join(root, 'incidents/INC-9.ts'), NEW);
    synthIncidents(root, ['incidents/INC-9.ts']);
    assert.equal(fs.readFileSync(stale, 'utf8'), 'edited by hand\n');
    assert.ok(fs.existsSync(path.join(root, 'dist/_evidence/incidents/inc-3')), "another incident's capture folder stays");
  });

  test("a broken incident file the batch does not name does not stop it", () => {
    const { root } = synthesizedRepo(EVIDENCE, incidentsWithCapture());
    fs.writeFileSync(path.join(root, 'incidents/INC-2.ts'), 'export default {,};\n');
    fs.writeFileSync(path.join(root, 'incidents/INC-9.ts'), NEW);
    synthIncidents(root, ['incidents/INC-9.ts']);
    assert.ok(fs.existsSync(path.join(root, 'dist/inc-9/kustomization.yaml')));
  });

  test("a lifted incident's folders are removed, its capture folder included", () => {
    const { root, reference } = twins(EVIDENCE, (r) => {
      const file = path.join(r, 'incidents/INC-3.ts');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("owner: 'sre-oncall',", "owner: 'sre-oncall',\n  status: 'lifted',"));
    });
    synthIncidents(root, ['incidents/INC-3.ts']);
    assert.ok(!fs.existsSync(path.join(root, 'dist/inc-3')));
    assert.ok(!fs.existsSync(path.join(root, 'dist/_evidence/incidents/inc-3')));
    assert.deepEqual(snapshotTree(path.join(root, 'dist')), snapshotTree(path.join(reference, 'dist')));
  });

  test('an invalid incident of the batch is reported with nothing written', () => {
    const { root } = synthesizedRepo(EVIDENCE, incidentsWithCapture());
    const before = snapshotTree(path.join(root, 'dist'));
    fs.writeFileSync(path.join(root, 'incidents/INC-9.ts'), incidentSource('INC-9', "isolate({ namespace: 'kube-system', pod: 'coredns-0' })"));
    assert.throws(() => synthIncidents(root, ['incidents/INC-9.ts']), (e: unknown) => e instanceof ValidationError && /kube-system/.test(e.message));
    assert.deepEqual(snapshotTree(path.join(root, 'dist')), before);
  });

  test('a deferred write leaves dist/ untouched until write(), which then gives what synth writes', () => {
    const { root, reference } = twins(EVIDENCE, (r) => fs.writeFileSync(path.join(r, 'incidents/INC-9.ts'), NEW));
    const before = snapshotTree(path.join(root, 'dist'));

    const { tree, write } = synthIncidents(root, ['incidents/INC-9.ts'], { deferWrite: true });
    assert.deepEqual(snapshotTree(path.join(root, 'dist')), before);
    assert.ok(tree.has('inc-9'));

    write();
    write();
    assert.deepEqual(snapshotTree(path.join(root, 'dist')), snapshotTree(path.join(reference, 'dist')));
  });
});
