/**
 * `airlock propose`, `lift`, `expire` and `audit` end to end: the real CLI, real git repositories with a bare
 * remote in temp dirs, and (for pull requests) a local HTTP server speaking GitHub's documented REST endpoints —
 * no real forge is contacted.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { airlock, airlockAsync, incidentSource } from '../support/project';
import { git, gitProject as gitProjectWith } from '../support/git-project';
import { startFakeForge } from '../git/fake-forge';
import { fakeArgoCd } from '../gitops/fake-controllers';
import { tempDir } from '../support/temp-dir';

const INC_1 = incidentSource('INC-1', `isolate({ namespace: 'payments', pod: 'checkout-1' })`, "\n  expiresAt: '2026-11-23T03:12:00Z',");
const INC_2 = incidentSource('INC-2', `quarantineNamespace({ namespace: 'ci' })`, "\n  expiresAt: '2026-12-30T00:00:00Z',");
const gitProject = (policies: Record<string, string> = {}): { root: string; remote: string } => gitProjectWith({ 'INC-1.ts': INC_1, 'INC-2.ts': INC_2 }, policies);

const trailers = (remote: string, ref: string): string => git(remote, 'log', '-1', '--format=%(trailers)', ref);
const files = (remote: string, ref: string): string[] => git(remote, 'show', '--name-only', '--format=', ref).trim().split('\n').sort();

describe('airlock propose', () => {
  test('pushes airlock/<id> with only the incident, its dist/ folder and trailers; base and unrelated edits untouched', () => {
    const { root, remote } = gitProject();
    fs.writeFileSync(path.join(root, 'policies/notes.ts'), '// unrelated work in progress\n');
    const result = airlock(root, ['propose', 'INC-1', '--json']);
    assert.equal(result.status, 0, result.stderr);
    const out = JSON.parse(result.stdout);
    assert.equal(out.branch, 'airlock/inc-1');
    assert.equal(out.action, 'contain');
    assert.equal(git(remote, 'log', '-1', '--format=%s', 'airlock/inc-1').trim(), 'incident(INC-1): isolate payments/checkout-1');
    assert.match(trailers(remote, 'airlock/inc-1'), /Airlock-Incident: INC-1\nAirlock-Action: contain\nAirlock-Severity: high/);
    const committed = files(remote, 'airlock/inc-1');
    assert.ok(committed.includes('incidents/INC-1.ts'));
    assert.ok(committed.includes('dist/inc-1/kustomization.yaml'));
    const shared = ['dist/_evidence/kustomization.yaml', 'dist/_evidence/incidents/README.md'];
    assert.ok(committed.every((f) => f.startsWith('incidents/INC-1.ts') || f.startsWith('dist/inc-1/') || f.startsWith('dist/_platform/') || shared.includes(f)), committed.join('\n'));
    assert.equal(git(remote, 'rev-parse', 'main'), git(root, 'rev-parse', 'origin/main'));
    assert.equal(git(remote, 'log', '--format=%s', 'main').trim(), 'seed');
    assert.ok(fs.existsSync(path.join(root, 'policies/notes.ts')));
  });

  test('after the pull request is merged, `git pull` in the proposing checkout fast-forwards over the incident files', () => {
    const { root, remote } = gitProject();
    assert.equal(airlock(root, ['propose', 'INC-1']).status, 0);
    assert.equal(git(root, 'status', '--porcelain', '--', 'incidents/INC-1.ts').trim(), 'A  incidents/INC-1.ts', 'staged as it was committed');
    // The reviewer merges the pull request (a merge commit) from another clone.
    const reviewer = path.join(tempDir('airlock-reviewer-'), 'clone');
    git(os.tmpdir(), 'clone', '--quiet', remote, reviewer);
    git(reviewer, '-c', 'user.name=r', '-c', 'user.email=r@example.test', 'merge', '--quiet', '--no-ff', '-m', 'Merge airlock/inc-1', 'origin/airlock/inc-1');
    git(reviewer, 'push', '--quiet', 'origin', 'main');

    git(root, 'pull', '--quiet', '--no-rebase', 'origin', 'main');
    assert.equal(git(root, 'rev-parse', 'HEAD'), git(remote, 'rev-parse', 'main'));
    assert.equal(git(root, 'status', '--porcelain', '--', 'incidents/INC-1.ts', 'dist/inc-1'), '', 'nothing left over for INC-1');
  });

  test('--direct needs a reason; with one it commits to main with Airlock-Break-Glass, and the next propose is an update', () => {
    const { root, remote } = gitProject();
    assert.equal(airlock(root, ['propose', 'INC-1', '--direct']).status, 2);
    const direct = airlock(root, ['propose', 'INC-1', '--direct', '--reason', 'active cryptominer']);
    assert.equal(direct.status, 0, direct.stderr);
    assert.match(trailers(remote, 'main'), /Airlock-Action: contain\n[\s\S]*Airlock-Break-Glass: active cryptominer/);
    const file = path.join(root, 'incidents/INC-1.ts');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("severity: 'high'", "severity: 'critical'"));
    const update = airlock(root, ['propose', 'INC-1', '--json']);
    assert.equal(update.status, 0, update.stderr);
    assert.equal(JSON.parse(update.stdout).action, 'update');
    assert.ok(files(remote, 'airlock/inc-1').every((f) => !f.startsWith('dist/_platform/')), 'the platform on main is not re-committed from the checkout');
  });

  test('a propose with nothing new names the branch that already has it: the base when there is no review branch', () => {
    const { root, remote } = gitProject();
    assert.equal(airlock(root, ['propose', 'INC-1', '--direct', '--reason', 'active cryptominer']).status, 0);
    const again = airlock(root, ['propose', 'INC-1']);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^INC-1: origin\/main already has this \w+; nothing committed\n$/);
    assert.throws(() => git(remote, 'rev-parse', '--verify', '--quiet', 'airlock/inc-1'), 'no review branch was made');
    const json = JSON.parse(airlock(root, ['propose', 'INC-1', '--json']).stdout) as { unchanged: boolean; branch: string; alreadyOn: string };
    assert.deepEqual([json.unchanged, json.branch, json.alreadyOn], [true, 'airlock/inc-1', 'main']);
  });

  test('an invalid incident is refused with exit 3 and nothing is pushed', () => {
    const { root, remote } = gitProject();
    fs.writeFileSync(path.join(root, 'incidents/INC-3.ts'), incidentSource('INC-3', `isolate({ namespace: 'kube-system', pod: 'x' })`));
    const result = airlock(root, ['propose', 'INC-1']);
    assert.equal(result.status, 3);
    assert.equal(git(remote, 'branch', '--list').trim(), '* main');
  });

  test('opens a pull request whose body is the plan, and updates the same one on the next propose', async () => {
    const forge = await startFakeForge('github');
    after(() => forge.close());
    const settings = `import { defineSettings } from '../src';\nexport default defineSettings({ git: { forge: { kind: 'github', baseUrl: '${forge.origin}', owner: 'acme', repo: 'gitops', tokenEnv: 'AIRLOCK_TEST_TOKEN' } } });\n`;
    const { root } = gitProject({ 'settings.ts': settings });
    const env = { AIRLOCK_TEST_TOKEN: 'secret-token-123' };
    const first = await airlockAsync(root, ['propose', 'INC-1', '--json'], env);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout).changeRequest.created, true);
    const file = path.join(root, 'incidents/INC-1.ts');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("title: 'Test incident INC-1'", "title: 'Shell in checkout'"));
    const second = await airlockAsync(root, ['propose', 'INC-1', '--json'], env);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(JSON.parse(second.stdout).changeRequest.created, false);
    assert.equal(forge.pulls.size, 1);
    const pull = [...forge.pulls.values()][0];
    assert.equal(pull.head, 'airlock/inc-1');
    assert.match(pull.body, /Shell in checkout/);
    assert.ok(pull.labels.includes('airlock') && pull.labels.includes('severity:high'));
    const create = forge.requests.find((r) => r.method === 'POST' && r.url === '/repos/acme/gitops/pulls')!;
    assert.equal(create.headers.authorization, 'Bearer secret-token-123');
    assert.doesNotMatch(first.stdout + first.stderr + second.stdout + second.stderr, /secret-token-123/);
  });
});

describe('instant reconcile after break-glass', () => {
  test('propose --direct tells Argo CD to reconcile now with a signed push event naming the changed paths', async () => {
    const { root, remote } = gitProject();
    const repoURL = 'https://git.example.test/acme/gitops.git';
    const argo = await fakeArgoCd({ secret: 'argo-webhook-secret', applications: [{ metadata: { name: 'airlock' }, spec: { source: { repoURL, targetRevision: 'main', path: 'dist' } } }] });
    after(() => argo.close());
    const settings = `import { defineSettings } from '../src';\nexport default defineSettings({ gitops: { repoUrl: '${repoURL}', argocd: { webhookUrl: '${argo.url}/api/webhook', secretEnv: 'ARGO_SECRET' } } });\n`;
    fs.writeFileSync(path.join(root, 'policies/settings.ts'), settings);
    const result = await airlockAsync(root, ['propose', 'INC-1', '--direct', '--reason', 'miner', '--json'], { ARGO_SECRET: 'argo-webhook-secret' });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.deepEqual(JSON.parse(result.stdout).notified.map((n: { controller: string; ok: boolean }) => `${n.controller} ${n.ok}`), ['argocd true']);
    const push = JSON.parse(argo.received[0].body) as { ref: string; after: string; commits: Array<{ modified: string[]; added: string[] }> };
    assert.equal(push.ref, 'refs/heads/main');
    assert.equal(push.after, git(remote, 'rev-parse', 'main').trim());
    assert.deepEqual(argo.refreshed, [['airlock']]);
    assert.doesNotMatch(result.stdout + result.stderr, /argo-webhook-secret/);
  });
});

describe('airlock lift and expire', () => {
  test('lift marks the incident lifted, removes its manifests and commits Airlock-Action: lift', () => {
    const { root, remote } = gitProject();
    assert.equal(airlock(root, ['propose', 'INC-1', '--direct', '--reason', 'contain now']).status, 0);
    const lift = airlock(root, ['lift', 'INC-1', '--reason', 'miner removed, image rebuilt', '--direct']);
    assert.equal(lift.status, 0, lift.stderr);
    assert.match(trailers(remote, 'main'), /Airlock-Action: lift\n[\s\S]*Airlock-Break-Glass: miner removed, image rebuilt/);
    assert.match(git(remote, 'log', '-1', '--format=%b', 'main'), /Lifted because: miner removed, image rebuilt/);
    assert.match(git(remote, 'show', 'main:incidents/INC-1.ts'), /status: 'lifted'/);
    assert.throws(() => git(remote, 'show', 'main:dist/inc-1/kustomization.yaml'));
    assert.equal(fs.existsSync(path.join(root, 'dist/inc-1')), false);
  });

  test('expire proposes a lift for every active incident past expiresAt, and only those', () => {
    const { root, remote } = gitProject();
    const result = airlock(root, ['expire', '--now', '2026-11-24T00:00:00Z', '--json']);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual((JSON.parse(result.stdout) as Array<{ incident: string }>).map((r) => r.incident), ['INC-1']);
    assert.match(trailers(remote, 'airlock/inc-1'), /Airlock-Action: lift/);
    assert.match(fs.readFileSync(path.join(root, 'incidents/INC-2.ts'), 'utf8'), /^(?![\s\S]*lifted)/);
  });

  test('expire --now without a time zone, or on a day that does not exist, exits 2 and lifts nothing', () => {
    const { root, remote } = gitProject();
    for (const now of ['2026-11-24T00:00:00', '2026-02-31T00:00:00Z']) {
      const result = airlock(root, ['expire', '--now', now]);
      assert.equal(result.status, 2, result.stderr);
      assert.equal(result.stderr, `airlock: --now is "${now}"; accepted: an ISO 8601 timestamp with a time zone, e.g. "2026-11-22T03:12:00Z"\n`);
    }
    assert.throws(() => git(remote, 'rev-parse', '--verify', '--quiet', 'airlock/inc-1'));
  });
});

describe('airlock audit', () => {
  test('reads containments and lifts back from the trailers, newest first', () => {
    const { root } = gitProject();
    assert.equal(airlock(root, ['propose', 'INC-2', '--direct', '--reason', 'runner compromised']).status, 0);
    assert.equal(airlock(root, ['lift', 'INC-2', '--reason', 'rebuilt']).status, 0);
    git(root, 'fetch', '--quiet', 'origin');
    const result = airlock(root, ['audit', '--ref', 'origin/main', '--json']);
    assert.equal(result.status, 0, result.stderr);
    const { entries } = JSON.parse(result.stdout) as { entries: Array<{ incident: string; action: string; breakGlass?: string }> };
    assert.deepEqual(entries.map((e) => `${e.incident} ${e.action} ${e.breakGlass ?? ''}`), ['INC-2 contain runner compromised']);
    const all = JSON.parse(airlock(root, ['audit', 'INC-2', '--ref', 'origin/airlock/inc-2', '--json']).stdout) as { entries: Array<{ action: string }> };
    assert.deepEqual(all.entries.map((e) => e.action), ['lift', 'contain']);
  });
});
