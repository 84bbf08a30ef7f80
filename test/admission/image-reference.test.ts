import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseImage, parseImageReference, type ImageReference } from '../../src/incident/image-reference';

const H64 = '0123456789abcdef'.repeat(4);

function ok(ref: string): ImageReference {
  const r = parseImageReference(ref);
  if (!r.ok) assert.fail(`${ref}: ${r.error}`);
  return r.value;
}
function refused(ref: string): { error: string; hint: string } {
  const r = parseImageReference(ref);
  if (r.ok) assert.fail(`${ref} was accepted as ${r.value.canonical}`);
  return r;
}

describe('parseImageReference normalises', () => {
  test('a single-component name to docker.io/library/', () => {
    assert.deepEqual(ok('nginx'), { registry: 'docker.io', path: 'library/nginx', repository: 'docker.io/library/nginx', strength: 'repository', canonical: 'docker.io/library/nginx' });
  });
  test('a two-component Docker Hub name to docker.io without library/', () => {
    assert.equal(ok('bitnami/redis:7').canonical, 'docker.io/bitnami/redis:7');
  });
  test('docker.io/name to docker.io/library/name', () => {
    assert.equal(ok('docker.io/nginx').repository, 'docker.io/library/nginx');
  });
  test('the legacy index.docker.io host to docker.io', () => {
    assert.equal(ok('index.docker.io/nginx:1.25').canonical, 'docker.io/library/nginx:1.25');
  });
  test('a first component with a dot as a registry host', () => {
    const r = ok('ghcr.io/acme/api:v1');
    assert.equal(r.registry, 'ghcr.io');
    assert.equal(r.path, 'acme/api');
  });
  test('a registry host with a port, keeping the port', () => {
    const r = ok('registry.example.com:5000/team/app:2.1');
    assert.equal(r.registry, 'registry.example.com:5000');
    assert.equal(r.tag, '2.1');
  });
  test('localhost as a registry host, with or without a port', () => {
    assert.equal(ok('localhost/app').registry, 'localhost');
    assert.equal(ok('localhost:5000/app').registry, 'localhost:5000');
  });
  test('an IPv6 registry host with a port', () => {
    assert.equal(ok('[fd00::1]:5000/app:1').registry, '[fd00::1]:5000');
  });
  test('name:port without a slash as a Docker Hub name with a tag', () => {
    const r = ok('localhost:5000');
    assert.equal(r.canonical, 'docker.io/library/localhost:5000');
    assert.equal(r.strength, 'tag');
  });
  test('a first component with upper case as a registry host', () => {
    assert.equal(ok('Registry/app').registry, 'Registry');
  });
});

describe('parseImageReference strength', () => {
  test('repo@sha256 is a digest reference', () => {
    const r = ok(`ghcr.io/acme/api@sha256:${H64}`);
    assert.equal(r.strength, 'digest');
    assert.equal(r.digest, `sha256:${H64}`);
    assert.equal(r.tag, undefined);
  });
  test('repo:tag@digest keeps the tag and is a digest reference', () => {
    const r = ok(`nginx:1.25@sha256:${H64}`);
    assert.equal(r.strength, 'digest');
    assert.equal(r.tag, '1.25');
    assert.equal(r.canonical, `docker.io/library/nginx:1.25@sha256:${H64}`);
  });
  test('repo:tag is a tag reference', () => {
    assert.equal(ok('nginx:latest').strength, 'tag');
  });
  test('a bare repository is a repository reference', () => {
    assert.equal(ok('ghcr.io/acme/api').strength, 'repository');
  });
  test('sha512 digests of 128 hex digits are accepted', () => {
    assert.equal(ok(`app@sha512:${'f'.repeat(128)}`).strength, 'digest');
  });
});

describe('parseImageReference refuses', () => {
  test('an empty string', () => assert.match(refused('').error, /empty/));
  test('a sha256 digest that is not 64 hex digits', () => assert.match(refused(`nginx@sha256:${'a'.repeat(63)}`).error, /64 lower-case hex/));
  test('upper-case hex in a sha256 digest', () => assert.match(refused(`nginx@sha256:${'A'.repeat(64)}`).error, /lower-case hex/));
  test('an unknown digest algorithm', () => assert.match(refused(`nginx@md5:${'a'.repeat(32)}`).error, /algorithm "md5"/));
  test('a digest without an algorithm', () => assert.match(refused(`nginx@${H64}`).error, /algorithm:hex/));
  test('a digest without a repository', () => assert.match(refused(`@sha256:${H64}`).error, /no repository/));
  test('a bare 64-hex identifier', () => assert.match(refused(H64).error, /64-hex identifier/));
  test('an upper-case repository path', () => assert.match(refused('ghcr.io/Acme/api').error, /lower case/));
  test('an empty tag', () => assert.match(refused('nginx:').error, /empty tag/));
  test('a tag starting with a dot', () => assert.match(refused('nginx:.x').error, /tag/));
  test('a tag longer than 128 characters', () => assert.match(refused(`nginx:${'a'.repeat(129)}`).error, /tag/));
  test('a repository component with a leading separator', () => assert.match(refused('acme/-api').error, /components/));
  test('a double slash', () => assert.match(refused('acme//api').error, /components/));
  test('a registry host that is not a host name', () => assert.match(refused('bad_host.io/app').error, /registry host/));
  test('two @ signs', () => assert.match(refused(`a@sha256:${H64}@sha256:${H64}`).error, /more than one "@"/));
  test('surrounding white space', () => assert.match(refused(' nginx').error, /white space/));
  test('a repository name over 255 characters', () => assert.match(refused(`ghcr.io/${'a'.repeat(250)}`).error, /255/));
  test('with a hint that names every accepted form', () => {
    const { hint } = refused('nginx:');
    for (const form of ['@sha256:', 'repo:tag', '"repo"']) assert.ok(hint.includes(form), form);
  });
});

describe('normaliseImage', () => {
  test('never fails and keeps tag and digest as written', () => {
    assert.deepEqual(normaliseImage(`quay.io/a/b:v1@sha256:${H64}`), {
      image: `quay.io/a/b:v1@sha256:${H64}`,
      repository: 'quay.io/a/b',
      tag: 'v1',
      digest: `sha256:${H64}`,
    });
  });
  test('leaves the tag empty when none is written', () => {
    assert.equal(normaliseImage('nginx').tag, '');
  });
  test('agrees with parseImageReference on valid references', () => {
    for (const ref of ['nginx', 'docker.io/nginx:1', 'index.docker.io/library/nginx', 'localhost:5000/a/b:c', `[::1]:5000/x@sha256:${H64}`, 'a.b/c/d/e:f']) {
      const parsed = ok(ref);
      const n = normaliseImage(ref);
      assert.equal(n.repository, parsed.repository, ref);
      assert.equal(n.tag, parsed.tag ?? '', ref);
      assert.equal(n.digest, parsed.digest ?? '', ref);
    }
  });
});
