/**
 * Repository URLs, branches and paths: every form a git remote uses is accepted, converted to what Flux's
 * schema admits and to the web URL a push event carries, and that web URL matches the Application's repoURL
 * under Argo CD's own matching rule (GetWebURLRegex, ported in fake-controllers).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deliveryTargets, fluxRepoUrl, GitopsConfigError, normalizeRepoPath, normalizeSource, parseRepoUrl, repoWebUrl } from '../../src/gitops';
import { resolveSettings } from '../../src/settings/settings';
import { argoWebUrlRegex } from './fake-controllers';

const FORMS: [url: string, flux: string, web: string][] = [
  ['https://github.com/acme/airlock.git', 'https://github.com/acme/airlock.git', 'https://github.com/acme/airlock'],
  ['https://github.com/acme/airlock', 'https://github.com/acme/airlock', 'https://github.com/acme/airlock'],
  ['git@github.com:acme/airlock.git', 'ssh://git@github.com/acme/airlock.git', 'https://github.com/acme/airlock'],
  ['github.com:acme/airlock', 'ssh://github.com/acme/airlock', 'https://github.com/acme/airlock'],
  ['ssh://git@gitlab.example.com:2222/platform/sec/airlock.git', 'ssh://git@gitlab.example.com:2222/platform/sec/airlock.git', 'https://gitlab.example.com/platform/sec/airlock'],
  ['https://deploy@git.example.com:8443/scm/sec/airlock.git', 'https://deploy@git.example.com:8443/scm/sec/airlock.git', 'https://git.example.com/scm/sec/airlock'],
  ['http://gitea.local/acme/airlock.git', 'http://gitea.local/acme/airlock.git', 'http://gitea.local/acme/airlock'],
];

describe('delivery source', () => {
  test('every remote form converts for Flux (scheme required) and to the web URL, which Argo CD matches back to the remote', () => {
    for (const [url, flux, web] of FORMS) {
      assert.equal(fluxRepoUrl(url), flux, url);
      assert.match(flux, /^(http|https|ssh):\/\/.*$/, 'the GitRepository url pattern');
      assert.equal(repoWebUrl(url), web, url);
      assert.match(url, argoWebUrlRegex(web), `Argo CD matches a push for ${web} to repoURL ${url}`);
    }
    assert.doesNotMatch('https://github.com/acme/airlock-fork.git', argoWebUrlRegex('https://github.com/acme/airlock'));
  });

  test('URLs, branches and paths that cannot work are refused with the flag and what is accepted', () => {
    const refuse = (f: () => unknown, pattern: RegExp): void => assert.throws(f, (e: unknown) => e instanceof GitopsConfigError && pattern.test(e.message));
    refuse(() => parseRepoUrl('ftp://example.com/repo.git'), /^--repo: .*ftp:\/\/.*\n  accepted: https:\/\/host/);
    refuse(() => parseRepoUrl('https://user:token@github.com/acme/airlock.git'), /carries a password/);
    refuse(() => parseRepoUrl('https://github.com/'), /names no repository path/);
    refuse(() => parseRepoUrl('not a url'), /is not a repository URL/);
    refuse(() => normalizeSource({ repoUrl: 'https://github.com/acme/airlock', branch: 'bad branch' }), /^--branch/);
    refuse(() => normalizeSource({ repoUrl: 'https://github.com/acme/airlock', branch: 'a..b' }), /^--branch/);
    refuse(() => normalizeRepoPath('/dist'), /is absolute/);
    refuse(() => normalizeRepoPath('../dist'), /leaves the repository/);
    refuse(() => normalizeRepoPath('.'), /every YAML file in the repository/);
    assert.equal(normalizeRepoPath('./deploy/dist/'), 'deploy/dist');
    assert.deepEqual(normalizeSource({ repoUrl: ' https://github.com/acme/airlock ', branch: 'refs/heads/release/2026' }), { repoUrl: 'https://github.com/acme/airlock', branch: 'release/2026', path: 'dist' });
  });

  test('targets: the whole dist/ for one cluster, dist/<cluster>/ for each declared cluster in settings order', () => {
    assert.deepEqual(deliveryTargets(resolveSettings({}), { path: 'dist' }), [{ path: 'dist' }]);
    assert.deepEqual(deliveryTargets(resolveSettings({ clusters: [{ name: 'b' }, { name: 'a' }] }), { path: 'deploy/dist' }), [
      { cluster: 'b', path: 'deploy/dist/b' },
      { cluster: 'a', path: 'deploy/dist/a' },
    ]);
  });
});
