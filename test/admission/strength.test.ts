import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockStrengthWarnings } from '../../src/admission';

const H64 = 'a'.repeat(64);

test('digest entries raise no warning', () => {
  assert.deepEqual(blockStrengthWarnings([`ghcr.io/a/b@sha256:${H64}`, `nginx:1@sha256:${H64}`]), []);
});

test('a tag entry is flagged as weaker than a digest', () => {
  const [w] = blockStrengthWarnings(['nginx:1.25']);
  assert.equal(w?.strength, 'tag');
  assert.equal(w?.canonical, 'docker.io/library/nginx:1.25');
  assert.match(w!.message, /^nginx:1\.25 blocks by tag, which is weaker than by digest/);
});

test('a repository entry is flagged as weaker than a digest', () => {
  const [w] = blockStrengthWarnings(['ghcr.io/evil/miner']);
  assert.equal(w?.strength, 'repository');
  assert.match(w!.message, /weaker than by digest: the same image mirrored/);
});

test('warnings keep input order and skip invalid entries', () => {
  assert.deepEqual(blockStrengthWarnings(['b', 'Not Valid', 'a:1']).map((w) => w.image), ['b', 'a:1']);
});
