/**
 * `propose` and `lift` with evidence captures: an incident's capture folder (`dist/_evidence/incidents/<id>/`)
 * travels in the same commit as its containment, the evidence roots come with the first incident only, and
 * another incident's capture folder never comes along. Real CLI, real git with a bare remote in a temp dir.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { airlock, incidentSource } from '../support/project';
import { git, gitProject } from '../support/git-project';

const capture = (id: string, pod: string): string =>
  incidentSource(id, `captureEvidence({ namespace: 'payments', pod: '${pod}' }), isolate({ namespace: 'payments', pod: '${pod}' })`);
const files = (remote: string, ref: string): string[] => git(remote, 'show', '--name-only', '--format=', ref).trim().split('\n').sort();
const tree = (remote: string, ref: string): string[] => git(remote, 'ls-tree', '-r', '--name-only', ref).trim().split('\n').sort();

describe('propose with evidence captures', () => {
  test('the first proposal carries the incident, its containment and capture folders and the evidence roots, and nothing of another incident', () => {
    const { root, remote } = gitProject({ 'INC-3.ts': capture('INC-3', 'checkout-0'), 'INC-4.ts': capture('INC-4', 'web-0') });
    assert.equal(airlock(root, ['synth']).status, 0, 'both capture folders exist in the checkout');
    const result = airlock(root, ['propose', 'INC-3']);
    assert.equal(result.status, 0, result.stderr);
    const committed = files(remote, 'airlock/inc-3');
    for (const f of ['incidents/INC-3.ts', 'dist/inc-3/kustomization.yaml', 'dist/_evidence/incidents/inc-3/kustomization.yaml', 'dist/_evidence/kustomization.yaml', 'dist/_evidence/incidents/README.md']) {
      assert.ok(committed.includes(f), `${f} in\n${committed.join('\n')}`);
    }
    assert.ok(committed.some((f) => /^dist\/_evidence\/incidents\/inc-3\/job-.*-capture\.yaml$/.test(f)));
    assert.deepEqual(committed.filter((f) => /inc-4|INC-4/.test(f)), [], 'INC-4 stays out');
  });

  test('once the evidence roots are on the base, the next proposal does not touch them', () => {
    const { root, remote } = gitProject({ 'INC-3.ts': capture('INC-3', 'checkout-0'), 'INC-4.ts': capture('INC-4', 'web-0') });
    assert.equal(airlock(root, ['propose', 'INC-3', '--direct', '--reason', 'miner']).status, 0);
    assert.equal(airlock(root, ['propose', 'INC-4']).status, 0);
    const committed = files(remote, 'airlock/inc-4');
    assert.deepEqual(committed.filter((f) => !f.includes('inc-4') && !f.includes('INC-4')), []);
  });

  test('lifting removes the capture folder in the same commit as the containment', () => {
    const { root, remote } = gitProject({ 'INC-3.ts': capture('INC-3', 'checkout-0') });
    assert.equal(airlock(root, ['propose', 'INC-3', '--direct', '--reason', 'miner']).status, 0);
    assert.ok(tree(remote, 'main').includes('dist/_evidence/incidents/inc-3/kustomization.yaml'));
    const lift = airlock(root, ['lift', 'INC-3', '--reason', 'pod rebuilt', '--direct']);
    assert.equal(lift.status, 0, lift.stderr);
    const after = tree(remote, 'main');
    assert.deepEqual(after.filter((f) => f.includes('inc-3')), [], 'neither dist/inc-3/ nor its capture folder is left');
    assert.ok(after.includes('dist/_evidence/incidents/README.md'), 'the capture root stays for the evidence Kustomization');
  });
});
