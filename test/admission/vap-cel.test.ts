/**
 * The generated ValidatingAdmissionPolicy, evaluated with a real CEL implementation over every admission
 * case: what Kubernetes would allow and deny.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { admissionPlatformObjects, blocklistConfigMap, type Manifest } from '../../src/admission';
import { CASES, INCIDENTS } from './admission-cases';
import { evaluatePolicy, evaluateVariables, toCel } from './cel-evaluator';
import { normaliseImage } from '../../src/incident/image-reference';

const [policy, binding] = admissionPlatformObjects({ createParamNamespace: false }) as [Manifest, Manifest];
const params = INCIDENTS.map((incident) => blocklistConfigMap({ incident })!);

describe('ValidatingAdmissionPolicy CEL', () => {
  test('the corpus holds at least 40 admission objects', () => {
    assert.ok(CASES.length >= 40, `${CASES.length} cases`);
  });
  for (const c of CASES) {
    test(c.name, () => {
      const decision = evaluatePolicy(policy, binding, c.incidents === 'none' ? [] : params, c);
      assert.equal(decision.matched, !c.protectedNamespace, 'the binding applies to the request');
      assert.equal(decision.allowed, !c.expect.deny, decision.messages.join('\n'));
      if (c.expect.deny) {
        assert.ok(decision.messages.some((m) => m.includes(`incident ${(c.expect as { incident: string }).incident}:`)), decision.messages.join('\n'));
        const pattern = c.expect.message;
        if (pattern) assert.ok(decision.messages.some((m) => pattern.test(m)), decision.messages.join('\n'));
      }
    });
  }
});

test('the CEL normalises every image string exactly as normaliseImage does, valid or not', () => {
  const images = [
    'nginx', 'nginx:1', 'library/nginx', 'docker.io/nginx', 'index.docker.io/nginx:1', 'a/b/c/d:e', 'Host/x', 'UPPER',
    'localhost', 'localhost:5000', 'localhost/x', 'localhost:5000/x:y', '[::1]/x', '[::1]:5000/x:y', 'a.b:1/c:d@sha256:x',
    '@sha256:x', 'x@', ':tag', '/lead', 'trail/', 'a//b', 'host.io/', 'x:y:z', 'a@b@c', '', 'ünïcode/ä:ö', 'docker.io/a/b',
  ];
  const object = { kind: 'Pod', spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) } };
  const vars = evaluateVariables(policy, { object: toCel(object), oldObject: null, params: toCel(params[0]), request: toCel({ operation: 'CREATE' }) });
  const fromCel = [...(vars.references as Iterable<{ get(k: string): unknown }>)].map((m) => ({
    image: m.get('image'), repository: m.get('repository'), tag: m.get('tag'), digest: m.get('digest'),
  }));
  assert.deepEqual(fromCel, images.map((image) => normaliseImage(image)));
});
