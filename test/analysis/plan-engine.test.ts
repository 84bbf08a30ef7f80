/**
 * The engine paths the plan relies on: the direct per-pair evaluation, a class's reach vector and one side of a
 * connection must agree with the whole-cluster vectors that `analyze` uses; and rows are per policy, not per
 * policy name.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateCluster } from '../../bench/analysis';
import { PolicyEngine, type Endpoint } from '../../src/analysis/engine';
import { buildInventory } from '../../src/analysis/inventory';
import { flows, inventory, netpol, pod } from './helpers';

describe('engine paths used by the plan', () => {
  const cluster = buildInventory(generateCluster({ namespaces: 6, podsPerNamespace: 6, appsPerNamespace: 3, policiesPerNamespace: 4, seed: 7 }));

  test('the direct evaluation and the reach vectors agree with the whole-cluster vectors, pair by pair', () => {
    const lazy = new PolicyEngine(cluster);
    const eager = new PolicyEngine(cluster);
    const classes = lazy.universe.classes.map((c): Endpoint => ({ kind: 'class', id: c.id }));
    for (const src of classes) {
      for (const dst of classes) assert.ok(lazy.allowedDirect(src, dst).equals(eager.allowed(src, dst)), `${src.id} -> ${dst.id}`);
    }
    for (const self of classes) {
      const ingress = lazy.reach(self.id, 'ingress');
      const egress = lazy.reach(self.id, 'egress');
      classes.forEach((peer) => {
        assert.ok(ingress.classes[peer.id].equals(eager.allowed(peer, self)));
        assert.ok(egress.classes[peer.id].equals(eager.allowed(self, peer)));
      });
      ingress.atoms.forEach((conns, id) => assert.ok(conns.equals(eager.allowed({ kind: 'source-atom', id }, self))));
      egress.atoms.forEach((conns, id) => assert.ok(conns.equals(eager.allowed(self, { kind: 'destination-atom', id }))));
    }
  });

  test('one side of a connection is what that side admits, whatever the other side says', () => {
    const inv = inventory(
      pod('a', 'x', { app: 'x' }),
      pod('a', 'y', { app: 'y' }),
      netpol('a', 'y-no-egress', { podSelector: { matchLabels: { app: 'y' } }, policyTypes: ['Egress'] }),
      netpol('a', 'x-from-y', { podSelector: { matchLabels: { app: 'x' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'y' } } }], ports: [{ port: 80 }] }] }),
    );
    const engine = new PolicyEngine(inv);
    const id = (name: string): number => engine.universe.classOfPod.get(inv.pods.find((p) => p.name === name)!)!.id;
    assert.equal(engine.sideAllowed(id('x'), 'ingress', { kind: 'class', id: id('y') }).toString(), 'TCP 80');
    assert.equal(engine.allowedDirect({ kind: 'class', id: id('y') }, { kind: 'class', id: id('x') }).toString(), 'No Connections');
  });

  test('same-named NetworkPolicies of two namespaces are evaluated each with its own rules', () => {
    const inv = inventory(
      pod('a', 'x', { app: 'x' }),
      pod('a', 'y', { app: 'y' }),
      pod('b', 'x', { app: 'x' }),
      pod('b', 'y', { app: 'y' }),
      netpol('a', 'allow', { podSelector: { matchLabels: { app: 'x' } }, ingress: [] }),
      netpol('b', 'allow', { podSelector: { matchLabels: { app: 'x' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'y' } } }] }] }),
    );
    assert.equal(flows(inv, 'a/y', 'a/x'), 'No Connections');
    assert.equal(flows(inv, 'b/y', 'b/x'), 'All Connections');
  });
});
