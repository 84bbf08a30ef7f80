import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionList, formatConnlistJson, formatConnlistText } from '../../src/analysis/connlist';
import { PolicyEngine } from '../../src/analysis/engine';
import { inventory, netpol, pod } from './helpers';

const deployment = (ns: string, name: string, labels: Record<string, string>): string =>
  JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: ns, name }, spec: { replicas: 2, template: { metadata: { labels } } } });

const cluster = inventory(
  deployment('d', 'front', { app: 'front' }),
  deployment('d', 'back', { app: 'back' }),
  netpol('d', 'back', { podSelector: { matchLabels: { app: 'back' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'front' } } }], ports: [{ port: 9090 }] }] }),
);
const lines = (options = {}): string[] => formatConnlistText(connectionList(new PolicyEngine(cluster), options)).trimEnd().split('\n');

describe('connection list', () => {
  test('lines are SRC => DST : CONNS, sorted, workloads as ns/name[Kind], externals as ranges', () => {
    assert.deepEqual(lines(), [
      '0.0.0.0-255.255.255.255[External] => d/front[Deployment] : All Connections',
      'd/back[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections',
      'd/back[Deployment] => d/front[Deployment] : All Connections',
      'd/front[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections',
      'd/front[Deployment] => d/back[Deployment] : TCP 9090',
    ]);
  });

  test('a focus workload keeps only its lines', () => {
    assert.deepEqual(lines({ focusWorkloads: ['back'], focusDirection: 'ingress' }), ['d/front[Deployment] => d/back[Deployment] : TCP 9090']);
  });

  test('focus workload peers drop external lines', () => {
    assert.deepEqual(lines({ focusWorkloads: ['d/front'], focusWorkloadPeers: ['back'] }), ['d/back[Deployment] => d/front[Deployment] : All Connections', 'd/front[Deployment] => d/back[Deployment] : TCP 9090']);
  });

  test('IPv6 external ranges are listed only on request', () => {
    const all = formatConnlistText(connectionList(new PolicyEngine(cluster), { ipFamilies: ['IPv4', 'IPv6'] }));
    assert.match(all, /::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\[External\] => d\/front\[Deployment\]/);
  });

  test('an inventory without pods lists nothing', () => {
    assert.deepEqual(connectionList(new PolicyEngine(inventory(netpol('d', 'x', { podSelector: {} })))), []);
  });

  test('JSON is a list of {src, dst, conn}', () => {
    const json = JSON.parse(formatConnlistJson(connectionList(new PolicyEngine(cluster), { focusWorkloads: ['back'], focusDirection: 'ingress' })));
    assert.deepEqual(json, [{ src: 'd/front[Deployment]', dst: 'd/back[Deployment]', conn: 'TCP 9090' }]);
  });

  test('a pod with no policy reaching itself is never listed as a workload-to-itself line', () => {
    const inv = inventory(pod('n', 'a'));
    assert.ok(connectionList(new PolicyEngine(inv)).every((e) => e.src !== e.dst));
  });
});
