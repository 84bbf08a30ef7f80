/** The plan-oriented API: a target pod's reachability before and after a change, and who still allows what. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareReachability, describeVerdictSource, podReachability, podsSelectedBy } from '../../src/analysis/reachability';
import { PolicyEngine } from '../../src/analysis/engine';
import { withManifests, withPodLabels } from '../../src/analysis/inventory';
import { anp, inventory, netpol, pod } from './helpers';

const QUARANTINE = { 'airlock.dev/quarantine': 'INC-7' };
const target = { namespace: 'shop', name: 'web-1' };

const cluster = inventory(
  pod('shop', 'web-1', { app: 'web' }, [{ name: 'http', port: 8080 }]),
  pod('shop', 'web-2', { app: 'web' }, [{ name: 'http', port: 8080 }]),
  pod('shop', 'api', { app: 'api' }),
  netpol('shop', 'allow-api-to-web', {
    podSelector: { matchLabels: { app: 'web' } },
    ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 'http' }] }],
  }),
);

const quarantineNetpol = JSON.parse(netpol('shop', 'airlock-inc-7', { podSelector: { matchLabels: QUARANTINE }, policyTypes: ['Ingress', 'Egress'] }));
const quarantineAnp = JSON.parse(
  anp('airlock-inc-7', {
    priority: 1,
    subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: QUARANTINE } } },
    ingress: [{ name: 'deny-all', action: 'Deny', from: [{ namespaces: {} }] }],
    egress: [{ name: 'deny-all', action: 'Deny', to: [{ namespaces: {} }, { networks: ['0.0.0.0/0', '::/0'] }] }],
  }),
);

function after(objects: object[]): ReturnType<typeof withManifests> {
  return withManifests(withPodLabels(cluster, target, { app: 'web', ...QUARANTINE }), objects.map((object) => ({ object: object as Record<string, unknown>, source: 'dist/INC-7' })));
}

describe('compareReachability', () => {
  test('a deny-all NetworkPolicy on the quarantine label does not cut what another NetworkPolicy allows', () => {
    const [r] = compareReachability(cluster, after([quarantineNetpol]), [target]);
    const api = r.ingress.find((c) => c.peer.key === 'shop/api[Pod]')!;
    assert.equal(api.before.toString(), 'TCP 8080');
    assert.equal(api.after.toString(), 'TCP 8080');
    assert.ok(api.allowedBy.some((a) => a.side === 'destination-ingress' && a.source.kind === 'rule' && a.source.policy.kind === 'NetworkPolicy' && a.source.policy.name === 'allow-api-to-web'));
  });

  test('an AdminNetworkPolicy Deny removes every connection of the quarantined pod', () => {
    const [r] = compareReachability(cluster, after([quarantineAnp]), [target]);
    assert.ok(r.ingress.length > 0 && r.ingress.every((c) => c.after.isEmpty() && !c.removed.isEmpty()));
    assert.ok(r.egress.length > 0 && r.egress.every((c) => c.after.isEmpty()));
  });

  test('what stays allowed by default is attributed to the non-isolated direction', () => {
    const [r] = compareReachability(cluster, cluster, [target]);
    const toApi = r.egress.find((c) => c.peer.key === 'shop/api[Pod]')!;
    assert.ok(toApi.allowedBy.some((a) => a.side === 'source-egress' && a.source.kind === 'non-isolated'));
    assert.equal(describeVerdictSource({ kind: 'non-isolated' }), 'no policy selects the pod in that direction (non-isolated)');
  });

  test('the target sibling replicas are peers, the target itself is not', () => {
    const owned = (name: string): string =>
      JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'shop', name, labels: { app: 'web' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'web-7d', controller: true }] } });
    const replicas = inventory(owned('web-7d-a'), owned('web-7d-b'));
    const [r] = compareReachability(replicas, replicas, [{ namespace: 'shop', name: 'web-7d-a' }]);
    assert.deepEqual(
      r.egress.filter((c) => c.peer.kind === 'workload').map((c) => (c.peer.kind === 'workload' ? c.peer.pods : [])),
      [['web-7d-b']],
    );
  });

  test('the policies applying to the target are listed per direction, before and after', () => {
    const [r] = compareReachability(cluster, after([quarantineAnp]), [target]);
    assert.deepEqual(r.policiesBefore.egress, []);
    assert.deepEqual(r.policiesAfter.egress, [{ kind: 'AdminNetworkPolicy', name: 'airlock-inc-7' }]);
    assert.deepEqual(r.policiesBefore.ingress, [{ kind: 'NetworkPolicy', namespace: 'shop', name: 'allow-api-to-web' }]);
  });
});

describe('podReachability', () => {
  test('lists the peers that may reach a pod, with ports', () => {
    const r = podReachability(new PolicyEngine(cluster), target);
    assert.deepEqual(
      r.ingress.map((e) => `${e.peer.key} ${e.conns.toString()}`),
      ['shop/api[Pod] TCP 8080'],
    );
  });
});

describe('podsSelectedBy', () => {
  test('a NetworkPolicy selector catches every pod with the label (the blast radius)', () => {
    assert.deepEqual(podsSelectedBy(cluster, { kind: 'NetworkPolicy', namespace: 'shop', name: 'allow-api-to-web' }).map((p) => p.name), ['web-1', 'web-2']);
  });
});
