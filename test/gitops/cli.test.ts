/**
 * `airlock bootstrap` and `airlock sync-notify` end to end, in child processes on temporary projects: output
 * that kubectl can apply and the CRDs accept, files written outside dist/ only, usage errors with exit 2, and a
 * notification from a real git clone to a local server that checks the push event (exit 5 when refused).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeYaml, type K8sObject } from './controllers';
import { fakeArgoCd, fakeFluxReceiver } from './fake-controllers';
import { gitopsCrdValidator, incidents, settingsSource } from './fixtures';
import { airlock, airlockAsync, makeProject, snapshotTree } from '../support/project';

function git(cwd: string, ...args: string[]): string {
  return spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } }).stdout.trim();
}

const MANY = { clusters: [{ name: 'prod-eu', backend: 'cilium' as const }, { name: 'prod-us', backend: 'calico' as const }] };

describe('airlock bootstrap and sync-notify (CLI)', () => {
  test('bootstrap --argocd prints one YAML stream that validates and is byte-identical on a second run; the steps go to stderr', () => {
    const root = makeProject({ incidents: incidents() });
    const first = airlock(root, ['bootstrap', '--argocd', '--repo', 'https://github.com/acme/airlock.git']);
    assert.equal(first.status, 0, first.stderr);
    const objects = decodeYaml(first.stdout) as K8sObject[];
    assert.deepEqual(objects.map((o) => o.kind), ['AppProject', 'Application']);
    for (const o of objects) assert.deepEqual(gitopsCrdValidator().problems(o as never), []);
    // The example settings declare evidence, so its storage comes first (test/gitops/evidence-storage.test.ts).
    assert.match(first.stderr, /^next steps:\n  1\. Before the first incident, create the evidence namespace[^\n]*\n  2\. Apply the project/);
    assert.match(first.stderr, /webhook\.github\.secret/);
    assert.equal(airlock(root, ['bootstrap', '--argocd', '--repo', 'https://github.com/acme/airlock.git']).stdout, first.stdout);
    assert.ok(!fs.existsSync(path.join(root, 'dist')), 'bootstrap never synthesizes or writes dist/');
  });

  test('bootstrap --flux --out writes one file per object for the clusters in settings, replaces what an earlier bootstrap wrote, and refuses an --out inside dist/', () => {
    const root = makeProject({ policies: { 'settings.ts': settingsSource(MANY) }, incidents: incidents() });
    const out = path.join(root, 'gitops', 'flux');
    const r = airlock(root, ['bootstrap', '--flux', '--repo', 'git@github.com:acme/airlock.git', '--branch', 'prod', '--topology', 'per-cluster', '--out', 'gitops/flux']);
    assert.equal(r.status, 0, r.stderr);
    const tree = snapshotTree(out);
    assert.deepEqual([...tree.keys()], ['prod-eu/gitrepository-airlock.yaml', 'prod-eu/kustomization-airlock.yaml', 'prod-eu/receiver-airlock.yaml', 'prod-us/gitrepository-airlock.yaml', 'prod-us/kustomization-airlock.yaml', 'prod-us/receiver-airlock.yaml']);
    for (const text of tree.values()) for (const o of decodeYaml(text)) assert.deepEqual(gitopsCrdValidator().problems(o as never), []);
    assert.match(tree.get('prod-us/kustomization-airlock.yaml')!, /path: \.\/dist\/prod-us\n/);
    assert.match(tree.get('prod-eu/gitrepository-airlock.yaml')!, /branch: prod\n/);
    assert.match(r.stdout, /^wrote 6 files to gitops\/flux for Flux:/);
    assert.match(r.stdout, /kubectl --context <context-of-prod-us> apply -f gitops\/flux\/prod-us\//);
    // A hub bootstrap into the same folder replaces the per-cluster files it generated, and leaves others alone.
    fs.writeFileSync(path.join(out, 'README.md'), 'ours');
    const hub = airlock(root, ['bootstrap', '--flux', '--repo', 'git@github.com:acme/airlock.git', '--out', 'gitops/flux', '--json']);
    assert.equal(hub.status, 0, hub.stderr);
    assert.deepEqual([...snapshotTree(out).keys()].sort(), ['README.md', 'gitrepository-airlock.yaml', 'kustomization-airlock-prod-eu.yaml', 'kustomization-airlock-prod-us.yaml', 'receiver-airlock.yaml']);
    assert.deepEqual(fs.readdirSync(out).sort(), ['README.md', 'gitrepository-airlock.yaml', 'kustomization-airlock-prod-eu.yaml', 'kustomization-airlock-prod-us.yaml', 'receiver-airlock.yaml'], 'the emptied cluster folders are gone');
    const json = JSON.parse(hub.stdout) as { controller: string; clusters: string[]; files: { path: string }[]; steps: string[] };
    assert.deepEqual([json.controller, json.clusters], ['flux', ['prod-eu', 'prod-us']]);
    assert.match(json.steps.join('\n'), /create secret generic airlock-prod-eu-kubeconfig/);
    const inside = airlock(root, ['bootstrap', '--argocd', '--repo', 'https://github.com/acme/airlock.git', '--out', 'dist/argocd']);
    assert.equal(inside.status, 2);
    assert.match(inside.stderr, /--out dist\/argocd overlaps dist\/, which only airlock synth writes/);
    assert.ok(!fs.existsSync(path.join(root, 'dist')));
  });

  test('bootstrap --out where a file stands in the way of a folder exits 2 naming the flag, the path and the reason, and writes no file', () => {
    const root = makeProject({ policies: { 'settings.ts': settingsSource(MANY) }, incidents: incidents() });
    fs.mkdirSync(path.join(root, 'gitops'));
    fs.writeFileSync(path.join(root, 'gitops', 'prod-us'), 'not a folder');
    const r = airlock(root, ['bootstrap', '--flux', '--repo', 'https://github.com/acme/airlock.git', '--topology', 'per-cluster', '--out', 'gitops']);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `airlock: --out gitops cannot be written (at ${path.join(root, 'gitops', 'prod-us')}): a file stands where a folder is needed (EEXIST); accepted: a path in an existing, writable folder\n`);
    assert.deepEqual(fs.readdirSync(path.join(root, 'gitops')).sort(), ['prod-eu', 'prod-us'], 'the folders made before the failure, and no file');
    assert.deepEqual(fs.readdirSync(path.join(root, 'gitops', 'prod-eu')), []);
  });

  test('bootstrap usage errors exit 2 and name the flag', () => {
    const root = makeProject({ policies: { 'settings.ts': settingsSource(MANY) }, incidents: incidents() });
    const cases: [string[], RegExp][] = [
      [['bootstrap', '--repo', 'https://github.com/acme/airlock.git'], /needs --argocd or --flux/],
      [['bootstrap', '--argocd', '--flux', '--repo', 'https://github.com/acme/airlock.git'], /cannot be used with/],
      [['bootstrap', '--flux', '--repo', 'ftp://example.com/x.git'], /--repo: "ftp:\/\/example\.com\/x\.git" uses ftp:\/\/[\s\S]*accepted:/],
      [['bootstrap', '--flux', '--repo', 'https://github.com/acme/airlock.git', '--topology', 'per-cluster'], /one bundle per cluster \(2 clusters\)[^\n]*give --out DIR/],
      [['bootstrap', '--argocd', '--repo', 'https://github.com/acme/airlock.git', '--path', '../x'], /--path: "\.\.\/x" leaves the repository/],
    ];
    for (const [args, pattern] of cases) {
      const r = airlock(root, args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
    }
  });

  test('sync-notify from a clone: the pushed commit and its dist/ files reach Argo CD and Flux; a refusal exits 5 with a hint', async () => {
    const root = makeProject({ incidents: incidents() });
    git(root, 'init', '-q', '-b', 'main');
    git(root, 'remote', 'add', 'origin', 'git@github.com:acme/airlock.git');
    fs.mkdirSync(path.join(root, 'dist', 'inc-9'), { recursive: true });
    fs.writeFileSync(path.join(root, 'dist', 'inc-9', 'networkpolicy-x.yaml'), 'kind: NetworkPolicy\n');
    fs.writeFileSync(path.join(root, 'notes.txt'), 'not delivered\n');
    git(root, 'add', 'dist', 'notes.txt');
    git(root, 'commit', '-q', '-m', 'contain INC-9');
    const head = git(root, 'rev-parse', 'HEAD');
    const argo = await fakeArgoCd({
      secret: 'argo-s3cret',
      applications: [{ metadata: { name: 'airlock', annotations: { 'argocd.argoproj.io/manifest-generate-paths': '.' } }, spec: { source: { repoURL: 'git@github.com:acme/airlock.git', targetRevision: 'main', path: 'dist' } } }],
    });
    const flux = await fakeFluxReceiver({ token: 'flux-tok', name: 'airlock', namespace: 'flux-system', type: 'github', events: ['ping', 'push'] });
    try {
      const env = { AIRLOCK_SECRET: 'argo-s3cret' };
      const ok = await airlockAsync(root, ['sync-notify', '--argocd', `${argo.url}/api/webhook`, '--secret-env', 'AIRLOCK_SECRET', '--json'], env);
      assert.equal(ok.status, 0, ok.stdout + ok.stderr);
      const result = JSON.parse(ok.stdout) as { commit: string; branch: string; paths: string[]; results: { ok: boolean }[] };
      assert.deepEqual([result.commit, result.branch, result.paths, result.results.map((x) => x.ok)], [head, 'main', ['dist/inc-9/networkpolicy-x.yaml'], [true]]);
      assert.deepEqual(argo.refreshed, [['airlock']]);
      assert.deepEqual(JSON.parse(argo.received[0].body).commits[0].modified, ['dist/inc-9/networkpolicy-x.yaml'], 'only files under dist/');

      const both = await airlockAsync(root, ['sync-notify', '--argocd', argo.url, '--flux-receiver', flux.url + flux.hookPath, '--secret-env', 'AIRLOCK_SECRET'], { AIRLOCK_SECRET: 'flux-tok' });
      assert.equal(both.status, 5, 'Argo CD refuses the Flux token');
      assert.match(both.stdout, /^notified Flux \(http:\/\/127\.0\.0\.1:\d+\/hook\/[0-9a-f]{8}…\): HTTP 200/m);
      assert.match(both.stderr, /could not notify Argo CD \(http:\/\/127\.0\.0\.1:\d+\/api\/webhook\): HTTP 400: Webhook processing failed: HMAC verification failed/);
      assert.match(both.stderr, /hint: the push itself succeeded/);
      assert.ok(!both.stderr.includes('flux-tok'));
      assert.equal(flux.reconciled(), 1);

      const nothing = airlock(root, ['sync-notify']);
      assert.equal(nothing.status, 2);
      assert.match(nothing.stderr, /nothing to notify: give --argocd URL or --flux-receiver URL/);
      const noSecret = airlock(root, ['sync-notify', '--flux-receiver', flux.url + flux.hookPath]);
      assert.equal(noSecret.status, 2);
      assert.match(noSecret.stderr, /a github Receiver verifies an HMAC signature/);
    } finally {
      await Promise.all([argo.close(), flux.close()]);
    }
  });

  test('sync-notify in a clone whose remote is a local path names the remote, not a --repo that was never given', () => {
    const root = makeProject({ incidents: incidents() });
    git(root, 'init', '-q', '-b', 'main');
    git(root, 'remote', 'add', 'origin', '/srv/git/airlock.git');
    const r = airlock(root, ['sync-notify', '--argocd', 'https://argocd.example.test/api/webhook']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^airlock: git remote "origin" \(the default of --repo\): "\/srv\/git\/airlock\.git" is not a repository URL\n  accepted: https:\/\/host/);
  });
});
