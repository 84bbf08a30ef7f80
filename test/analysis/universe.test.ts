import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PolicyEngine } from '../../src/analysis/engine';
import { withManifests, withPodLabels } from '../../src/analysis/inventory';
import type { Inventory } from '../../src/analysis/model';
import { buildUniverse, type Universe } from '../../src/analysis/universe';
import { inventory, netpol, pod } from './helpers';

/** The classes of a universe as sorted `ns/pod` lists, with each class's checks: ids dense, maps consistent. */
function classesOf(u: Universe): string[][] {
  u.classes.forEach((c, id) => {
    assert.equal(c.id, id, 'class ids are their positions');
    assert.ok(c.pods.length > 0, 'no class is empty');
    for (const p of c.pods) assert.equal(u.classOfPod.get(p), c, `classOfPod of ${p.namespace}/${p.name}`);
    assert.ok(u.classesByNamespace.get(c.namespace.name)?.includes(c), `classesByNamespace lists class ${id}`);
  });
  assert.equal([...u.classesByNamespace.values()].reduce((n, l) => n + l.length, 0), u.classes.length);
  return u.classes.map((c) => c.pods.map((p) => `${p.namespace}/${p.name}`).sort()).sort();
}

function snapshot(): Inventory {
  return inventory(
    pod('shop', 'web-1', { app: 'web' }, [{ name: 'http', port: 80 }]),
    pod('shop', 'web-2', { app: 'web' }, [{ name: 'http', port: 80 }]),
    pod('shop', 'solo', { app: 'solo' }),
    pod('shop', 'last', { app: 'last' }),
    pod('bank', 'api-1', { app: 'api' }),
    netpol('shop', 'deny', { podSelector: {}, policyTypes: ['Ingress'] }),
  );
}

describe('pod classes', () => {
  test('pods share a class exactly when namespace, labels (in any order) and ports are equal', () => {
    const u = buildUniverse(
      inventory(
        pod('shop', 'a', { app: 'web', tier: 'x' }, [{ name: 'http', port: 80 }]),
        pod('shop', 'b', { tier: 'x', app: 'web' }, [{ name: 'http', port: 80 }]),
        pod('bank', 'c', { app: 'web', tier: 'x' }, [{ name: 'http', port: 80 }]),
        pod('shop', 'd', { app: 'web', tier: 'x' }, [{ name: 'web', port: 80 }]),
        pod('shop', 'e', { app: 'web', tier: 'x' }, [{ name: 'http', port: 80, protocol: 'UDP' }]),
        pod('shop', 'f', { app: 'web', tier: 'x', extra: '' }, [{ name: 'http', port: 80 }]),
        pod('shop', 'g', { app: 'webtier', x: '' }, [{ name: 'http', port: 80 }]),
      ),
      ['IPv4'],
    );
    assert.deepEqual(classesOf(u), [['bank/c'], ['shop/a', 'shop/b'], ['shop/d'], ['shop/e'], ['shop/f'], ['shop/g']]);
  });
});

describe('pod classes derived from a basis inventory', () => {
  const cases: [string, (base: Inventory) => Inventory][] = [
    ['a pod leaves a shared class', (b) => withPodLabels(b, { namespace: 'shop', name: 'web-1' }, { app: 'web', q: '1' })],
    ['a pod joins an existing class', (b) => withPodLabels(b, { namespace: 'shop', name: 'solo' }, { app: 'web' })],
    ['a single-pod class empties (its id goes to the last class)', (b) => withPodLabels(b, { namespace: 'shop', name: 'solo' }, { app: 'other' })],
    ['the last class empties', (b) => withPodLabels(withPodLabels(b, { namespace: 'bank', name: 'api-1' }, { app: 'x' }), { namespace: 'shop', name: 'last' }, { app: 'web' })],
    ['several pods change at once', (b) => withPodLabels(withPodLabels(b, { namespace: 'shop', name: 'web-2' }, { app: 'solo' }), { namespace: 'shop', name: 'solo' }, { app: 'web' })],
    ['only policies are added', (b) => withManifests(b, [{ object: JSON.parse(netpol('bank', 'deny', { podSelector: {} })), source: 'test' }])],
  ];
  for (const [name, change] of cases) {
    test(`${name}: the same classes as grouping from scratch`, () => {
      const base = snapshot();
      new PolicyEngine(base); // groups the basis
      const after = change(base);
      const derived = buildUniverse(after, ['IPv4'], base);
      const scratch = buildUniverse({ ...after, pods: [...after.pods] }, ['IPv4']);
      assert.deepEqual(classesOf(derived), classesOf(scratch));
    });
  }

  test('classes the change does not touch are carried over, not grouped again', () => {
    const base = snapshot();
    const basis = new PolicyEngine(base).universe;
    const after = withPodLabels(base, { namespace: 'shop', name: 'web-1' }, { app: 'web', q: '1' });
    const derived = buildUniverse(after, ['IPv4'], base);
    const bank = basis.classesByNamespace.get('bank')![0];
    assert.equal(derived.classesByNamespace.get('bank')![0], bank);
  });

  test('a basis that was never grouped, or whose pod list differs in length, is grouped from scratch', () => {
    const base = snapshot();
    const fewer = { ...base, pods: base.pods.slice(1) };
    assert.deepEqual(classesOf(buildUniverse(fewer, ['IPv4'], base)), classesOf(buildUniverse({ ...fewer, pods: [...fewer.pods] }, ['IPv4'])));
  });
});
