/**
 * Reconcile-now notifications against local servers that answer like Argo CD's /api/webhook and a Flux Receiver:
 * method, path, headers, signatures and payload are checked by the fakes, and the Argo CD fake computes which of
 * the bootstrap's own Applications the push refreshes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { argoCdObjects, GitopsConfigError, notifyControllers, notifyRequests, normalizeSource, validateNotifySettings, type KubeObject } from '../../src/gitops';
import { resolveSettings } from '../../src/settings/settings';
import { expandListApplicationSet } from './controllers';
import { fakeArgoCd, fakeFluxReceiver, type WebhookApplication } from './fake-controllers';

const REPO = 'git@github.com:acme/airlock.git';
const COMMIT = 'c0ffee'.padEnd(40, '0');
const source = normalizeSource({ repoUrl: REPO, branch: 'main', path: 'dist' });

function applications(objects: readonly KubeObject[]): WebhookApplication[] {
  return objects.flatMap((o) => (o.kind === 'Application' ? [o as unknown as WebhookApplication] : o.kind === 'ApplicationSet' ? (expandListApplicationSet(o as never) as unknown as WebhookApplication[]) : []));
}

const fast = { retryDelayMs: 1, timeoutMs: 5000 };

describe('sync notifications', () => {
  test('Argo CD: a signed GitHub push event to /api/webhook refreshes the bootstrap Application', async () => {
    const argo = await fakeArgoCd({ secret: 'hunter2', applications: applications(argoCdObjects({ source, settings: resolveSettings({}) })) });
    try {
      const results = await notifyControllers(
        { argocd: { webhookUrl: argo.url, secretEnv: 'ARGO_SECRET' } },
        { repoUrl: REPO, branch: 'main', commit: COMMIT, paths: ['dist/inc-1/networkpolicy-payments.airlock-inc-1-0-isolate-workload.yaml'] },
        { ...fast, env: { ARGO_SECRET: 'hunter2' } },
      );
      assert.deepEqual(results, [{ controller: 'argocd', url: `${argo.url}/api/webhook`, ok: true, status: 200, attempts: 1 }]);
      assert.deepEqual(argo.refreshed, [['airlock']]);
      const [request] = argo.received;
      assert.equal(request.method, 'POST');
      assert.equal(request.headers['x-github-event'], 'push');
      assert.equal(request.headers['content-type'], 'application/json');
      const payload = JSON.parse(request.body);
      assert.equal(payload.ref, 'refs/heads/main');
      assert.equal(payload.after, COMMIT);
      assert.equal(payload.repository.html_url, 'https://github.com/acme/airlock');
      assert.equal(payload.repository.clone_url, 'https://github.com/acme/airlock.git');
      assert.deepEqual(payload.commits[0].modified, ['dist/inc-1/networkpolicy-payments.airlock-inc-1-0-isolate-workload.yaml']);
    } finally {
      await argo.close();
    }
  });

  test('Argo CD, many clusters: a change under dist/prod-us/ refreshes only airlock-prod-us; no file list refreshes both; another branch refreshes none', async () => {
    const settings = resolveSettings({ clusters: [{ name: 'prod-eu' }, { name: 'prod-us' }] });
    const argo = await fakeArgoCd({ applications: applications(argoCdObjects({ source, settings })) });
    try {
      const send = (branch: string, paths: string[]) => notifyControllers({ argocd: { webhookUrl: argo.url } }, { repoUrl: 'https://github.com/acme/airlock.git', branch, commit: COMMIT, paths }, fast);
      assert.ok((await send('main', ['dist/prod-us/inc-2/configmap-airlock-system.airlock-blocklist-inc-2.yaml']))[0].ok);
      await send('main', []);
      await send('feature', ['dist/prod-eu/inc-1/x.yaml']);
      assert.deepEqual(argo.refreshed, [['airlock-prod-us'], ['airlock-prod-eu', 'airlock-prod-us'], []]);
      assert.equal(argo.received[0].headers['x-hub-signature-256'], undefined, 'unsigned without a secret');
    } finally {
      await argo.close();
    }
  });

  test('Argo CD: a wrong secret is refused (HTTP 400, not retried); a full queue (503) is retried', async () => {
    const argo = await fakeArgoCd({ secret: 'right', applications: [], failFirst: 1 });
    try {
      const change = { repoUrl: REPO, branch: 'main', commit: COMMIT, paths: [] };
      const [retried] = await notifyControllers({ argocd: { webhookUrl: `${argo.url}/api/webhook`, secretEnv: 'S' } }, change, { ...fast, env: { S: 'right' } });
      assert.deepEqual([retried.ok, retried.status, retried.attempts], [true, 200, 2]);
      const [refused] = await notifyControllers({ argocd: { webhookUrl: argo.url, secretEnv: 'S' } }, change, { ...fast, env: { S: 'wrong' } });
      assert.deepEqual([refused.ok, refused.status, refused.attempts], [false, 400, 1]);
      assert.match(refused.error!, /HTTP 400: Webhook processing failed: HMAC verification failed/);
      assert.equal(argo.received.length, 3, 'the refused request was sent once');
      assert.ok(!refused.error!.includes('wrong'));
    } finally {
      await argo.close();
    }
  });

  test('Flux github Receiver: signed push to /hook/<sha256(token+name+namespace)> reconciles; a wrong token does not', async () => {
    const flux = await fakeFluxReceiver({ token: 'tok', name: 'airlock', namespace: 'flux-system', type: 'github', events: ['ping', 'push'] });
    try {
      const change = { repoUrl: REPO, branch: 'main', commit: COMMIT, paths: ['dist/inc-1/a.yaml'] };
      const [ok] = await notifyControllers({ flux: { receiverUrl: flux.url + flux.hookPath, secretEnv: 'T' } }, change, { ...fast, env: { T: 'tok' } });
      assert.equal(ok.ok, true);
      assert.equal(flux.reconciled(), 1);
      assert.match(ok.url, /\/hook\/[0-9a-f]{8}…$/, 'the hook path is shortened in results');
      assert.equal(flux.received[0].headers['x-github-event'], 'push');
      const [bad] = await notifyControllers({ flux: { receiverUrl: flux.url + flux.hookPath, secretEnv: 'T' } }, change, { ...fast, env: { T: 'other' } });
      assert.deepEqual([bad.ok, bad.status], [false, 400]);
      assert.equal(flux.reconciled(), 1);
    } finally {
      await flux.close();
    }
  });

  test('Flux generic-hmac and generic Receivers, and both controllers notified together', async () => {
    const hmac = await fakeFluxReceiver({ token: 'tok', name: 'airlock', namespace: 'flux-system', type: 'generic-hmac' });
    const generic = await fakeFluxReceiver({ token: 'tok2', name: 'airlock', namespace: 'flux-system', type: 'generic' });
    const argo = await fakeArgoCd({ applications: applications(argoCdObjects({ source, settings: resolveSettings({}) })) });
    try {
      const change = { repoUrl: REPO, branch: 'main', commit: COMMIT, paths: [] };
      const [a] = await notifyControllers({ flux: { receiverUrl: hmac.url + hmac.hookPath, secretEnv: 'T', type: 'generic-hmac' } }, change, { ...fast, env: { T: 'tok' } });
      assert.equal(a.ok, true);
      assert.match(String(hmac.received[0].headers['x-signature']), /^sha256=[0-9a-f]{64}$/);
      const both = await notifyControllers({ argocd: { webhookUrl: argo.url }, flux: { receiverUrl: generic.url + generic.hookPath, type: 'generic' } }, change, fast);
      assert.deepEqual(both.map((r) => [r.controller, r.ok]), [['argocd', true], ['flux', true]]);
      assert.equal(generic.reconciled(), 1);
      assert.deepEqual(argo.refreshed, [['airlock']]);
    } finally {
      await Promise.all([hmac.close(), generic.close(), argo.close()]);
    }
  });

  test('an unreachable controller is a result, not an exception', async () => {
    const argo = await fakeArgoCd({ applications: [] });
    await argo.close();
    const [r] = await notifyControllers({ argocd: { webhookUrl: argo.url } }, { repoUrl: REPO, branch: 'main', commit: COMMIT, paths: [] }, { ...fast, attempts: 2 });
    assert.equal(r.ok, false);
    assert.equal(r.attempts, 2);
    assert.match(r.error!, /could not reach http:\/\/127\.0\.0\.1:\d+\/api\/webhook: ECONNREFUSED/);
  });

  test('configuration that cannot work is refused before anything is sent', () => {
    const change = { repoUrl: REPO, branch: 'main', commit: COMMIT, paths: [] };
    const hook = `https://flux.example.com/hook/${'a'.repeat(64)}`;
    assert.throws(() => notifyRequests({ flux: { receiverUrl: hook } }, change, {}), (e: unknown) => e instanceof GitopsConfigError && /github Receiver verifies an HMAC/.test(e.message));
    assert.throws(() => notifyRequests({ argocd: { webhookUrl: 'https://argo', secretEnv: 'MISSING' } }, change, {}), /MISSING is empty or unset/);
    assert.throws(() => notifyRequests({ flux: { receiverUrl: 'https://flux.example.com/hooks/x', type: 'generic' } }, change, {}), /is not a Receiver URL/);
    assert.throws(() => notifyRequests({ argocd: { webhookUrl: 'https://user:pw@argo/api/webhook' } }, change, {}), /carries credentials/);
    assert.throws(() => notifyRequests({ argocd: { webhookUrl: 'https://argo' } }, { ...change, repoUrl: undefined }, {}), /no repository URL/);
    const [argo] = notifyRequests({ argocd: { webhookUrl: 'https://argo.example.com' } }, change, {});
    assert.equal(argo.url, 'https://argo.example.com/api/webhook');
    const [fromSettings] = notifyRequests({ repoUrl: 'https://git.example.com/platform/airlock.git', argocd: { webhookUrl: 'https://argo.example.com' } }, change, {});
    assert.equal(JSON.parse(fromSettings.body).repository.html_url, 'https://git.example.com/platform/airlock', 'gitops.repoUrl wins over the remote URL');
  });

  test('validateNotifySettings names the field and what is accepted', () => {
    assert.deepEqual(validateNotifySettings(undefined, 'policies/settings.ts'), []);
    assert.deepEqual(validateNotifySettings({ argocd: { webhookUrl: 'https://argo/api/webhook', secretEnv: 'ARGO' }, flux: { receiverUrl: 'https://f/hook/abc', type: 'generic' } }, 'policies/settings.ts'), []);
    const problems = validateNotifySettings({ argocd: { webhookUrl: 'argo', secret: 'x' }, flux: { receiverUrl: 'https://f/hook/a', secretEnv: '1X', type: 'gitea' }, extra: 1 }, 'policies/settings.ts');
    assert.deepEqual(problems.map((p) => p.field), ['gitops.extra', 'gitops.argocd.secret', 'gitops.argocd.webhookUrl', 'gitops.flux.secretEnv', 'gitops.flux.type']);
    assert.ok(problems.every((p) => p.file === 'policies/settings.ts' && p.hint));
  });
});
