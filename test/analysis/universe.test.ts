import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PolicyEngine } from '../../src/analysis/engine';
import { withManifests, withPodLabels } from '../../src/analysis/inventory';
import type { Inventory } from '../../src/analysis/model';
import { buildUniverse, type Universe } from '../../src/analysis/universe';
import { inventory, netpol, pod } from './helpers';

/**
 * The classes with pods of a universe as sorted `ns/pod` lists, with each class's checks: ids are positions,
 * the maps agree, and a class without pods (kept by a derived universe for its id) is in no namespace's list.
 */
function classesOf(u: Universe): string[][] {
  const withPods = u.classes.filter((c) => c.pods.length > 0);
  u.classes.forEach((c, id) => {
    assert.equal(c.id, id, 'class ids are their positions');
    for (const p of c.pods) assert.equal(u.classOfPod.get(p), c, `classOfPod of ${p.namespace}/${p.name}`);
    assert.equal(u.classesByNamespace.get(c.namespace.name)?.includes(c) ?? false, c.pods.length > 0, `classesByNamespace and class ${id}`);
  });
  assert.equal([...u.classesByNamespace.values()].reduce((n, l) => n + l.length, 0), withPods.length);
  return withPods.map((c) => c.pods.map((p) => `${p.namespace}/${p.name}`).sort()).sort();
}

/** Five shop pods and four bank pods: changing two pods stays well under the share that regroups from scratch. */
function snapshot(): Inventory {
  return inventory(
    ...[2, 3, 4].map((n) => pod('bank', `api-${n}`, { app: 'api' })),
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
    ['a single-pod class empties (it stays, without pods, at its id)', (b) => withPodLabels(b, { namespace: 'shop', name: 'solo' }, { app: 'other' })],
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

  test('every basis class id keeps its namespace and labels, so an engine of the derived inventory can share rules', () => {
    const base = snapshot();
    const basis = new PolicyEngine(base).universe;
    const after = withPodLabels(withPodLabels(base, { namespace: 'shop', name: 'solo' }, { app: 'other' }), { namespace: 'shop', name: 'web-1' }, { app: 'solo' });
    const derived = buildUniverse(after, ['IPv4'], base);
    basis.classes.forEach((c, id) => {
      assert.equal(derived.classes[id].labels, c.labels);
      assert.equal(derived.classes[id].namespace, c.namespace);
    });
  });

  test('classes the change does not touch are carried over, not grouped again', () => {
    const base = snapshot();
    const basis = new PolicyEngine(base).universe;
    const after = withPodLabels(base, { namespace: 'shop', name: 'web-1' }, { app: 'web', q: '1' });
    const derived = buildUniverse(after, ['IPv4'], base);
    const bank = basis.classesByNamespace.get('bank')![0];
    assert.equal(derived.classesByNamespace.get('bank')![0], bank);
  });

  test('too many changed pods regroup from scratch: an engine then shares no rows (ids mean other classes)', () => {
    const base = snapshot();
    new PolicyEngine(base);
    const names = ['web-1', 'web-2', 'solo', 'last'];
    const after = names.reduce((inv, name) => withPodLabels(inv, { namespace: 'shop', name }, { app: name }), base);
    assert.deepEqual(classesOf(buildUniverse(after, ['IPv4'], base)), classesOf(buildUniverse({ ...after, pods: [...after.pods] }, ['IPv4'])));
  });

  test('a basis that was never grouped, or whose pod list differs in length, is grouped from scratch', () => {
    const base = snapshot();
    const fewer = { ...base, pods: base.pods.slice(1) };
    assert.deepEqual(classesOf(buildUniverse(fewer, ['IPv4'], base)), classesOf(buildUniverse({ ...fewer, pods: [...fewer.pods] }, ['IPv4'])));
  });
});
