/**
 * The engine paths the plan relies on: the direct per-pair evaluation, a class's reach vector and one side of a
 * connection must agree with the whole-cluster vectors that `analyze` uses; and rows are per policy, not per
 * policy name.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateCluster } from '../../bench/analysis';
import { PolicyEngine, type Endpoint } from '../../src/analysis/engine';
import { buildInventory, withManifests, withPodLabels } from '../../src/analysis/inventory';
import type { Inventory, PodInfo } from '../../src/analysis/model';
import { anp, flows, inventory, namespace, netpol, pod } from './helpers';

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

  /**
   * The snapshot with one pod relabelled (quarantined) and an isolation policy added in its namespace, as a plan
   * derives it: an engine derived from the snapshot's (sharing the rows of unchanged namespaces) and one built
   * from scratch must give the same answer for every pair of pods and every reach vector.
   */
  function assertDerivedAgrees(snapshot: Inventory, target: PodInfo, manifests?: object[]): void {
    const relabelled = withPodLabels(snapshot, target, { ...target.labels, 'airlock.dev/quarantine': 'INC-1' });
    const isolation = JSON.parse(netpol(target.namespace, 'airlock-isolate', { podSelector: { matchLabels: { 'airlock.dev/quarantine': 'INC-1' } }, policyTypes: ['Ingress', 'Egress'], egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: 53, protocol: 'UDP' }] }] }));
    const after = withManifests(relabelled, (manifests ?? [isolation]).map((object) => ({ object: object as Record<string, unknown>, source: 'test' })));
    const derived = new PolicyEngine(after, { basis: new PolicyEngine(snapshot) });
    const scratch = new PolicyEngine({ ...after, pods: [...after.pods] });
    const classOf = (e: PolicyEngine, p: (typeof after.pods)[number]): Endpoint => ({ kind: 'class', id: e.universe.classOfPod.get(p)!.id });
    for (const p of after.pods) {
      for (const q of after.pods) {
        const [a, b] = [derived.allowedDirect(classOf(derived, p), classOf(derived, q)), scratch.allowedDirect(classOf(scratch, p), classOf(scratch, q))];
        assert.ok(a.equals(b), `${p.name} -> ${q.name}: ${a} vs ${b}`);
      }
      for (const direction of ['ingress', 'egress'] as const) {
        const [a, b] = [derived.reach(classOf(derived, p).id, direction), scratch.reach(classOf(scratch, p).id, direction)];
        after.pods.forEach((q) => assert.ok(a.classes[classOf(derived, q).id].equals(b.classes[classOf(scratch, q).id]), `${direction} ${p.name} / ${q.name}`));
        a.atoms.forEach((conns, id) => assert.ok(conns.equals(b.atoms[id])));
      }
    }
  }

  test('an engine derived from the snapshot engine answers exactly as one built from scratch (generated cluster)', () => {
    assertDerivedAgrees(cluster, cluster.pods[7]);
  });

  /** shop: two web pods; bank: three pods that admit shop's web pods (by namespace and pod labels). */
  function shopAndBank(...extra: string[]): Inventory {
    return inventory(
      namespace('shop', { team: 'shop' }),
      pod('shop', 'web-1', { app: 'web' }),
      pod('shop', 'web-2', { app: 'web' }),
      pod('bank', 'api', { app: 'api' }),
      pod('bank', 'db', { app: 'db' }),
      pod('bank', 'cache', { app: 'cache' }),
      netpol('bank', 'from-shop-web', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'shop' } }, podSelector: { matchLabels: { app: 'web' } } }] }] }),
      ...extra,
    );
  }

  test('a derived engine applies the unchanged namespaces\' rules to the relabelled pod\'s new class', () => {
    // The relabelled web pod must still be admitted by bank's rule, whose row the derived engine shares.
    const snapshot = shopAndBank();
    assertDerivedAgrees(snapshot, snapshot.pods.find((p) => p.name === 'web-1')!);
  });

  test('a derived engine with an added AdminNetworkPolicy agrees with one built from scratch', () => {
    const snapshot = shopAndBank(
      anp('existing', { priority: 50, subject: { namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'bank' } } }, ingress: [{ name: 'pass-shop', action: 'Pass', from: [{ namespaces: { matchLabels: { team: 'shop' } } }] }] }),
    );
    const deny = JSON.parse(
      anp('airlock-isolate', {
        priority: 2,
        // Selects web-2 too, whose class the snapshot already has: that class must not keep the snapshot's row.
        subject: { pods: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { app: 'web' } } } },
        ingress: [{ name: 'deny', action: 'Deny', from: [{ namespaces: {} }] }],
        egress: [{ name: 'deny', action: 'Deny', to: [{ namespaces: {} }] }],
      }),
    );
    assertDerivedAgrees(snapshot, snapshot.pods.find((p) => p.name === 'web-1')!, [deny]);
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
