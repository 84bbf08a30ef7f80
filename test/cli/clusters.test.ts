/** Many clusters: `dist/<cluster>/<id>/`, per-cluster backends, incidents targeting some clusters. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { airlock, incidentSource, makeProject, REPO } from '../support/project';
import { git, gitProject } from '../support/git-project';

const SETTINGS = `import { defineSettings } from '../src';
export default defineSettings({
  clusters: [
    { name: 'prod-eu', backend: 'adminnetworkpolicy' },
    { name: 'staging', admission: { mode: 'kyverno' } },
  ],
});
`;
const ALL = incidentSource('INC-1', `isolate({ namespace: 'payments', pod: 'checkout-1' })`);
const STAGING = incidentSource('INC-2', `quarantineNamespace({ namespace: 'ci' })`, "\n  clusters: ['staging'],");

const folders = (root: string): string[] =>
  fs.readdirSync(path.join(root, 'dist')).flatMap((c) => fs.readdirSync(path.join(root, 'dist', c)).map((f) => `${c}/${f}`)).sort();

describe('many clusters', () => {
  test('each cluster gets its own folder, backend and platform; incidents go only where they target', () => {
    const root = makeProject({ incidents: { 'INC-1.ts': ALL, 'INC-2.ts': STAGING }, policies: { 'settings.ts': SETTINGS } });
    const result = airlock(root, ['synth']);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(folders(root), ['prod-eu/_platform', 'prod-eu/inc-1', 'staging/_platform', 'staging/inc-1', 'staging/inc-2']);
    assert.ok(fs.readdirSync(path.join(root, 'dist/prod-eu/inc-1')).some((f) => f.startsWith('adminnetworkpolicy-')));
    assert.ok(!fs.readdirSync(path.join(root, 'dist/staging/inc-1')).some((f) => f.startsWith('adminnetworkpolicy-')));
    assert.ok(fs.readdirSync(path.join(root, 'dist/staging/_platform')).some((f) => f.startsWith('clusterpolicy-')));
    assert.match(fs.readFileSync(path.join(root, 'dist/prod-eu/inc-1/RUNBOOK.md'), 'utf8'), /\| Cluster \| prod-eu \|/);
    for (const folder of folders(root)) {
      const built = spawnSync('kubectl', ['kustomize', path.join(root, 'dist', folder)], { encoding: 'utf8' });
      assert.equal(built.status, 0, `${folder}: ${built.stderr}`);
    }
    assert.equal(airlock(root, ['synth', '--check']).status, 0);
  });

  test('declaring clusters moves the flat layout under the clusters, removing the old folders', () => {
    const root = makeProject({ incidents: { 'INC-1.ts': ALL } });
    assert.equal(airlock(root, ['synth']).status, 0);
    assert.ok(fs.existsSync(path.join(root, 'dist/inc-1')));
    fs.writeFileSync(path.join(root, 'policies/settings.ts'), SETTINGS);
    assert.equal(airlock(root, ['synth']).status, 0);
    assert.deepEqual(folders(root), ['prod-eu/_platform', 'prod-eu/inc-1', 'staging/_platform', 'staging/inc-1']);
  });

  test('retargeting an incident removes its folder from the cluster it left', () => {
    const root = makeProject({ incidents: { 'INC-1.ts': ALL }, policies: { 'settings.ts': SETTINGS } });
    assert.equal(airlock(root, ['synth']).status, 0);
    fs.writeFileSync(path.join(root, 'incidents/INC-1.ts'), incidentSource('INC-1', `isolate({ namespace: 'payments', pod: 'checkout-1' })`, "\n  clusters: ['prod-eu'],"));
    assert.equal(airlock(root, ['synth']).status, 0);
    assert.deepEqual(folders(root), ['prod-eu/_platform', 'prod-eu/inc-1', 'staging/_platform']);
  });

  test('an incident naming an undeclared cluster is refused with the declared ones', () => {
    const root = makeProject({ incidents: { 'INC-1.ts': incidentSource('INC-1', `quarantineNamespace({ namespace: 'ci' })`, "\n  clusters: ['prod-us'],") }, policies: { 'settings.ts': SETTINGS } });
    const result = airlock(root, ['synth']);
    assert.equal(result.status, 3);
    assert.match(result.stderr, /clusters\[0\]: is "prod-us", not a declared cluster\n\s+accepted: prod-eu, staging/);
  });

  test('a cluster override is validated like the settings themselves', () => {
    const bad = SETTINGS.replace("backend: 'adminnetworkpolicy'", "backend: 'iptables'");
    const result = airlock(makeProject({ incidents: { 'INC-1.ts': ALL }, policies: { 'settings.ts': bad } }), ['synth']);
    assert.equal(result.status, 3);
    assert.match(result.stderr, /policies\/settings\.ts clusters\[0\]\.backend: is "iptables"/);
  });

  test('plan needs --cluster when several clusters are declared, and uses that cluster\'s backend', () => {
    const root = makeProject({ incidents: { 'INC-1.ts': ALL }, policies: { 'settings.ts': SETTINGS } });
    const snapshot = path.join(REPO, 'test/fixtures/cluster-snapshot.yaml');
    assert.equal(airlock(root, ['plan', '--inventory', snapshot]).status, 2);
    const prod = airlock(root, ['plan', '--inventory', snapshot, '--cluster', 'prod-eu', '--json', '--no-compare']);
    assert.notEqual(prod.status, 2, prod.stderr);
    assert.equal(JSON.parse(prod.stdout)[0].backends, undefined);
  });

  test('lifting an incident that targets some clusters removes its folders there and keeps it valid', () => {
    const { root, remote } = gitProject({ 'INC-2.ts': STAGING }, { 'settings.ts': SETTINGS });
    assert.equal(airlock(root, ['propose', 'INC-2', '--direct', '--reason', 'runner compromised']).status, 0);
    const lift = airlock(root, ['lift', 'INC-2', '--reason', 'rebuilt', '--direct']);
    assert.equal(lift.status, 0, lift.stderr);
    assert.match(git(remote, 'show', 'main:incidents/INC-2.ts'), /status: 'lifted'/);
    assert.doesNotMatch(git(remote, 'ls-tree', '-r', '--name-only', 'main'), /dist\/staging\/inc-2\//);
  });
});
