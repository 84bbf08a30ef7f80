/**
 * Pull/merge requests against a local HTTP server on 127.0.0.1 that implements the documented GitHub and GitLab
 * endpoints. The tests assert on what Airlock sends (method, path, headers, body) and on its errors. No real forge
 * is contacted.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { ForgeConfigError, ForgeRequestError } from '../../src/git/errors';
import { openOrUpdateChangeRequest, type ChangeRequestInput, type ForgeConfig } from '../../src/git/forge';
import { startFakeForge, type FakeForge } from './fake-forge';

const TOKEN = 'ghp_SuperSecretTokenValue1234567890';
const env = { AIRLOCK_FORGE_TOKEN: TOKEN };
const input: ChangeRequestInput = {
  branch: 'airlock/inc-1',
  base: 'main',
  title: 'incident(INC-1): isolate pod payments/api',
  body: '## Plan\n- add NetworkPolicy airlock-inc-1-isolate',
  labels: ['airlock', 'severity:high'],
};

let forge: FakeForge | undefined;
afterEach(async () => {
  await forge?.close();
  forge = undefined;
});

function github(f: FakeForge, prefix = ''): ForgeConfig {
  return { kind: 'github', baseUrl: `${f.origin}${prefix}`, owner: 'acme', repo: 'gitops', tokenEnv: 'AIRLOCK_FORGE_TOKEN' };
}

function gitlab(f: FakeForge): ForgeConfig {
  return { kind: 'gitlab', baseUrl: `${f.origin}/api/v4`, project: 'security/gitops', tokenEnv: 'AIRLOCK_FORGE_TOKEN' };
}

/** Asserts an error is a ForgeRequestError with this status, naming the endpoint and never the token. */
function assertForgeError(error: unknown, status: number, endpoint: RegExp): true {
  assert.ok(error instanceof ForgeRequestError, String(error));
  assert.equal(error.status, status);
  assert.equal(error.exitCode, 5);
  assert.match(error.message, new RegExp(`HTTP ${status}`));
  assert.match(error.message, endpoint);
  assert.ok(!error.message.includes(TOKEN), 'the token must not appear in the message');
  assert.ok(!JSON.stringify(error).includes(TOKEN), 'nor anywhere in the error object');
  return true;
}

describe('GitHub pull requests', () => {
  it('opens a pull request: looks for an open one by head, creates it, adds labels, with the documented headers', async () => {
    forge = await startFakeForge('github');

    const pr = await openOrUpdateChangeRequest(github(forge), input, { env });

    assert.deepEqual(pr, { forge: 'github', number: 1, url: `${forge.origin}/o/r/pull/1`, created: true });
    assert.deepEqual(
      forge.requests.map((r) => `${r.method} ${r.url}`),
      [
        'GET /repos/acme/gitops/pulls?head=acme%3Aairlock%2Finc-1&state=open',
        'POST /repos/acme/gitops/pulls',
        'POST /repos/acme/gitops/issues/1/labels',
      ],
    );
    for (const r of forge.requests) {
      assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
      assert.equal(r.headers.accept, 'application/vnd.github+json');
      assert.equal(r.headers['x-github-api-version'], '2022-11-28');
    }
    assert.deepEqual(forge.requests[1]!.body, { title: input.title, head: 'airlock/inc-1', base: 'main', body: input.body });
    assert.deepEqual(forge.requests[2]!.body, { labels: ['airlock', 'severity:high'] });
  });

  it('updates the same pull request on the second call instead of opening another', async () => {
    forge = await startFakeForge('github');
    await openOrUpdateChangeRequest(github(forge), input, { env });
    forge.requests.length = 0;

    const pr = await openOrUpdateChangeRequest(github(forge), { ...input, title: 'incident(INC-1): updated', body: 'new plan', labels: ['airlock', 'updated'] }, { env });

    assert.equal(pr.number, 1);
    assert.equal(pr.created, false);
    assert.equal(forge.pulls.size, 1);
    assert.deepEqual(
      forge.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`),
      ['GET /repos/acme/gitops/pulls', 'PATCH /repos/acme/gitops/pulls/1', 'POST /repos/acme/gitops/issues/1/labels'],
    );
    assert.deepEqual(forge.requests[1]!.body, { title: 'incident(INC-1): updated', body: 'new plan' });
    assert.deepEqual(forge.pulls.get(1)!.labels, ['airlock', 'severity:high', 'updated']);
  });

  it('uses the GitHub Enterprise base URL (https://host/api/v3) as the API root', async () => {
    forge = await startFakeForge('github', '/api/v3');

    await openOrUpdateChangeRequest(github(forge, '/api/v3/'), input, { env });

    assert.ok(forge.requests.every((r) => r.url.startsWith('/api/v3/repos/acme/gitops/')));
  });

  it('updates the pull request another process opened between our lookup and our create (422)', async () => {
    forge = await startFakeForge('github');
    forge.pulls.set(7, { head: 'airlock/inc-1', base: 'main', title: 'theirs', body: '', labels: [] });
    forge.override({ method: 'GET', pathStartsWith: '/repos/acme/gitops/pulls', status: 200, body: [] });
    forge.override({ method: 'POST', pathStartsWith: '/repos/acme/gitops/pulls', status: 422, body: { message: 'Validation Failed', errors: [{ message: 'A pull request already exists for acme:airlock/inc-1.' }] } });

    const pr = await openOrUpdateChangeRequest(github(forge), input, { env });

    assert.deepEqual([pr.number, pr.created], [7, false]);
    assert.equal(forge.pulls.get(7)!.title, input.title);
  });

  it('reports HTTP 401 with the endpoint and a hint, and without the token even if the server echoes it', async () => {
    forge = await startFakeForge('github');
    forge.override({ method: 'GET', pathStartsWith: '/repos/', status: 401, body: { message: `Bad credentials: ${TOKEN}` } });

    await assert.rejects(openOrUpdateChangeRequest(github(forge), input, { env }), (error: unknown) => {
      assertForgeError(error, 401, /GET http:\/\/127\.0\.0\.1:\d+\/repos\/acme\/gitops\/pulls/);
      assert.match((error as Error).message, /Bad credentials/);
      assert.match((error as Error).message, /hint: the token in \$AIRLOCK_FORGE_TOKEN was not accepted/);
      return true;
    });
  });

  it('reports HTTP 422 from create (e.g. no commits on the branch) as a typed error', async () => {
    forge = await startFakeForge('github');
    forge.override({ method: 'POST', pathStartsWith: '/repos/acme/gitops/pulls', status: 422, body: { message: 'Validation Failed', errors: [{ message: 'No commits between main and airlock/inc-1' }] } });

    await assert.rejects(openOrUpdateChangeRequest(github(forge), input, { env }), (error: unknown) => {
      assertForgeError(error, 422, /POST .*\/repos\/acme\/gitops\/pulls/);
      assert.match((error as Error).message, /No commits between main and airlock\/inc-1/);
      return true;
    });
  });

  it('truncates a body beyond GitHub’s 65,536 characters and says so', async () => {
    forge = await startFakeForge('github');

    await openOrUpdateChangeRequest(github(forge), { ...input, body: 'x'.repeat(70_000) }, { env });

    const sent = (forge.requests[1]!.body as { body: string }).body;
    assert.equal(sent.length, 65_536);
    assert.match(sent, /truncated/);
  });
});

describe('GitLab merge requests', () => {
  it('opens a merge request with the URL-encoded project path, PRIVATE-TOKEN and comma-separated labels', async () => {
    forge = await startFakeForge('gitlab', '/api/v4');

    const mr = await openOrUpdateChangeRequest(gitlab(forge), input, { env });

    assert.deepEqual(mr, { forge: 'gitlab', number: 1, url: `${forge.origin}/g/p/-/merge_requests/1`, created: true });
    assert.deepEqual(
      forge.requests.map((r) => `${r.method} ${r.url}`),
      ['GET /api/v4/projects/security%2Fgitops/merge_requests?source_branch=airlock%2Finc-1&state=opened', 'POST /api/v4/projects/security%2Fgitops/merge_requests'],
    );
    for (const r of forge.requests) {
      assert.equal(r.headers['private-token'], TOKEN);
      assert.equal(r.headers.authorization, undefined);
    }
    assert.deepEqual(forge.requests[1]!.body, {
      source_branch: 'airlock/inc-1',
      target_branch: 'main',
      title: input.title,
      description: input.body,
      labels: 'airlock,severity:high',
    });
  });

  it('updates the same merge request on the second call, adding labels rather than replacing them', async () => {
    forge = await startFakeForge('gitlab', '/api/v4');
    await openOrUpdateChangeRequest(gitlab(forge), input, { env });
    forge.pulls.get(1)!.labels.push('reviewer-added');
    forge.requests.length = 0;

    const mr = await openOrUpdateChangeRequest(gitlab(forge), { ...input, title: 'updated', body: 'new plan', labels: ['airlock'] }, { env });

    assert.deepEqual([mr.number, mr.created], [1, false]);
    assert.equal(forge.pulls.size, 1);
    assert.equal(forge.requests[1]!.method, 'PUT');
    assert.equal(forge.requests[1]!.url, '/api/v4/projects/security%2Fgitops/merge_requests/1');
    assert.deepEqual(forge.requests[1]!.body, { title: 'updated', description: 'new plan', add_labels: 'airlock' });
    assert.deepEqual(forge.pulls.get(1)!.labels, ['airlock', 'severity:high', 'reviewer-added']);
  });

  it('reports HTTP 401 as a typed error without the token', async () => {
    forge = await startFakeForge('gitlab', '/api/v4');
    forge.override({ method: 'GET', pathStartsWith: '/api/v4/projects/', status: 401, body: { message: '401 Unauthorized' } });

    await assert.rejects(openOrUpdateChangeRequest(gitlab(forge), input, { env }), (error: unknown) =>
      assertForgeError(error, 401, /GET .*\/api\/v4\/projects\/security%2Fgitops\/merge_requests/),
    );
  });

  it('refuses a label containing a comma before sending anything', async () => {
    forge = await startFakeForge('gitlab', '/api/v4');

    await assert.rejects(openOrUpdateChangeRequest(gitlab(forge), { ...input, labels: ['a,b'] }, { env }), ForgeConfigError);
    assert.equal(forge.requests.length, 0);
  });
});

describe('forge configuration', () => {
  it('names the missing token variable, not a value', async () => {
    forge = await startFakeForge('github');

    await assert.rejects(openOrUpdateChangeRequest(github(forge), input, { env: {} }), (error: unknown) => {
      assert.ok(error instanceof ForgeConfigError);
      assert.match(error.message, /environment variable AIRLOCK_FORGE_TOKEN is not set/);
      return true;
    });
    assert.equal(forge.requests.length, 0);
  });

  it('refuses a base URL that is not a plain http(s) API root', async () => {
    const config: ForgeConfig = { kind: 'github', baseUrl: 'ftp://example.test/api/v3', owner: 'o', repo: 'r', tokenEnv: 'AIRLOCK_FORGE_TOKEN' };
    await assert.rejects(openOrUpdateChangeRequest(config, input, { env }), ForgeConfigError);
  });

  it('reports an unreachable forge as a typed error without a status', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const config: ForgeConfig = { kind: 'github', baseUrl: `http://127.0.0.1:${port}`, owner: 'o', repo: 'r', tokenEnv: 'AIRLOCK_FORGE_TOKEN' };

    await assert.rejects(openOrUpdateChangeRequest(config, input, { env }), (error: unknown) => {
      assert.ok(error instanceof ForgeRequestError);
      assert.equal(error.status, undefined);
      assert.match(error.message, /could not reach GitHub/);
      assert.ok(!error.message.includes(TOKEN));
      return true;
    });
  });
});
