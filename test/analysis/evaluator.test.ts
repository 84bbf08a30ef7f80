/** The evaluator's Kubernetes semantics, one behaviour per test, on inventories small enough to read. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { anp, banp, flows, inventory, namespace, netpol, pod } from './helpers';

const ns = (name: string, labels: Record<string, string> = {}): string => namespace(name, labels);
const denyAll = (n: string, types = ['Ingress', 'Egress']): string => netpol(n, 'deny-all', { podSelector: {}, policyTypes: types });

describe('NetworkPolicy isolation', () => {
  test('without policies everything is allowed', () => {
    const inv = inventory(pod('a', 'x'), pod('a', 'y'));
    assert.equal(flows(inv, 'a/x', 'a/y'), 'All Connections');
  });

  test('a policy with only ingress rules isolates ingress and leaves egress open (policyTypes default)', () => {
    const inv = inventory(pod('a', 'x', { app: 'x' }), pod('a', 'y'), netpol('a', 'p', { podSelector: { matchLabels: { app: 'x' } }, ingress: [] }));
    assert.equal(flows(inv, 'a/y', 'a/x'), 'No Connections');
    assert.equal(flows(inv, 'a/x', 'a/y'), 'All Connections');
  });

  test('egress rules make the default policyTypes include Egress', () => {
    const inv = inventory(pod('a', 'x', { app: 'x' }), pod('a', 'y', { app: 'y' }), netpol('a', 'p', { podSelector: { matchLabels: { app: 'x' } }, egress: [{ to: [{ podSelector: { matchLabels: { app: 'z' } } }] }] }));
    assert.equal(flows(inv, 'a/x', 'a/y'), 'No Connections');
    assert.equal(flows(inv, 'a/y', 'a/x'), 'No Connections', 'Ingress is always among the default policyTypes');
  });

  test('explicit policyTypes Egress leaves ingress open', () => {
    const inv = inventory(pod('a', 'x'), pod('a', 'y'), denyAll('a', ['Egress']));
    assert.equal(flows(inv, 'a/x', 'a/y'), 'No Connections');
    assert.equal(flows(inv, '1.2.3.4', 'a/x'), 'All Connections');
  });

  test('a connection needs both the source egress and the destination ingress', () => {
    const inv = inventory(
      pod('a', 'x', { app: 'x' }),
      pod('b', 'y', { app: 'y' }),
      netpol('a', 'out', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 80 }, { port: 443 }] }] }),
      netpol('b', 'in', { podSelector: {}, ingress: [{ ports: [{ port: 443 }, { port: 8443 }] }] }),
    );
    assert.equal(flows(inv, 'a/x', 'b/y'), 'TCP 443');
  });

  test('NetworkPolicies only add allows: a deny-all does not cut what another policy allows', () => {
    const inv = inventory(
      pod('a', 'x', { app: 'x' }),
      pod('a', 'y', { app: 'y' }),
      denyAll('a', ['Ingress']),
      netpol('a', 'allow-y', { podSelector: { matchLabels: { app: 'x' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'y' } } }] }] }),
    );
    assert.equal(flows(inv, 'a/y', 'a/x'), 'All Connections');
  });

  test('a policy selects only pods of its own namespace', () => {
    const inv = inventory(pod('a', 'x'), pod('b', 'y'), denyAll('a', ['Ingress']));
    assert.equal(flows(inv, 'a/x', 'b/y'), 'All Connections');
    assert.equal(flows(inv, 'b/y', 'a/x'), 'No Connections');
  });
});

describe('peers', () => {
  const base = [ns('a', { team: 'red' }), ns('b', { team: 'blue' }), pod('a', 'x', { app: 'x' }), pod('a', 'y', { app: 'db' }), pod('b', 'y', { app: 'db' }), pod('b', 'z', { app: 'web' })];
  const ingressFrom = (from: object[]): string => netpol('a', 'p', { podSelector: { matchLabels: { app: 'x' } }, ingress: [{ from }] });

  test('a podSelector peer without namespaceSelector means pods of the policy namespace only', () => {
    const inv = inventory(...base, ingressFrom([{ podSelector: { matchLabels: { app: 'db' } } }]));
    assert.equal(flows(inv, 'a/y', 'a/x'), 'All Connections');
    assert.equal(flows(inv, 'b/y', 'a/x'), 'No Connections');
  });

  test('namespaceSelector and podSelector in one peer must both match (AND)', () => {
    const inv = inventory(...base, ingressFrom([{ namespaceSelector: { matchLabels: { team: 'blue' } }, podSelector: { matchLabels: { app: 'db' } } }]));
    assert.equal(flows(inv, 'b/y', 'a/x'), 'All Connections');
    assert.equal(flows(inv, 'b/z', 'a/x'), 'No Connections');
    assert.equal(flows(inv, 'a/y', 'a/x'), 'No Connections');
  });

  test('namespaceSelector and podSelector as two peers match either (OR)', () => {
    const inv = inventory(...base, ingressFrom([{ namespaceSelector: { matchLabels: { team: 'blue' } } }, { podSelector: { matchLabels: { app: 'db' } } }]));
    assert.equal(flows(inv, 'b/z', 'a/x'), 'All Connections');
    assert.equal(flows(inv, 'a/y', 'a/x'), 'All Connections');
  });

  test('an empty namespaceSelector selects pods in every namespace', () => {
    const inv = inventory(...base, ingressFrom([{ namespaceSelector: {} }]));
    assert.equal(flows(inv, 'b/z', 'a/x'), 'All Connections');
    assert.equal(flows(inv, '8.8.8.8', 'a/x'), 'No Connections', 'selectors never match addresses');
  });

  test('namespaces are selectable by their kubernetes.io/metadata.name label even when not declared', () => {
    const inv = inventory(pod('a', 'x', { app: 'x' }), pod('c', 'w'), ingressFrom([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'c' } } }]));
    assert.equal(flows(inv, 'c/w', 'a/x'), 'All Connections');
  });

  test('a rule without from matches every source, pods and addresses', () => {
    const inv = inventory(...base, netpol('a', 'p', { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] }));
    assert.equal(flows(inv, 'b/z', 'a/x'), 'TCP 80');
    assert.equal(flows(inv, '8.8.8.8', 'a/x'), 'TCP 80');
  });
});

describe('label selector expressions', () => {
  const pods = [pod('a', 'x', { app: 'x' }), pod('a', 'prod', { env: 'prod' }), pod('a', 'dev', { env: 'dev' }), pod('a', 'none')];
  const from = (expr: object): string => netpol('a', 'p', { podSelector: { matchLabels: { app: 'x' } }, ingress: [{ from: [{ podSelector: { matchExpressions: [expr] } }] }] });
  const allowedSources = (expr: object): string[] => {
    const inv = inventory(...pods, from(expr));
    return ['prod', 'dev', 'none'].filter((p) => flows(inv, `a/${p}`, 'a/x') !== 'No Connections');
  };

  test('In matches listed values only', () => assert.deepEqual(allowedSources({ key: 'env', operator: 'In', values: ['prod'] }), ['prod']));
  test('NotIn matches other values and a missing key', () => assert.deepEqual(allowedSources({ key: 'env', operator: 'NotIn', values: ['prod'] }), ['dev', 'none']));
  test('Exists matches any value', () => assert.deepEqual(allowedSources({ key: 'env', operator: 'Exists' }), ['prod', 'dev']));
  test('DoesNotExist matches a missing key', () => assert.deepEqual(allowedSources({ key: 'env', operator: 'DoesNotExist' }), ['none']));
});

describe('ipBlock', () => {
  const target = pod('a', 'x', { app: 'x' });

  test('ipBlock except carves addresses out of the CIDR', () => {
    const inv = inventory(target, netpol('a', 'p', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] }] }));
    assert.equal(flows(inv, '10.2.3.4', 'a/x'), 'All Connections');
    assert.equal(flows(inv, '10.1.3.4', 'a/x'), 'No Connections');
    assert.equal(flows(inv, '11.0.0.1', 'a/x'), 'No Connections');
  });

  test('IPv6 ipBlocks allow IPv6 addresses only', () => {
    const inv = inventory(target, netpol('a', 'p', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: 'fd00::/8', except: ['fd00:1::/32'] } }] }] }));
    assert.equal(flows(inv, 'a/x', 'fd00::1'), 'All Connections');
    assert.equal(flows(inv, 'a/x', 'fd00:1::1'), 'No Connections');
    assert.equal(flows(inv, 'a/x', '10.0.0.1'), 'No Connections');
  });

  test('ipBlocks do not select pods', () => {
    const inv = inventory(target, pod('a', 'y'), netpol('a', 'p', { podSelector: { matchLabels: { app: 'x' } }, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] }));
    assert.equal(flows(inv, 'a/y', 'a/x'), 'No Connections');
  });
});

describe('ports', () => {
  const server = pod('a', 'srv', { app: 'srv' }, [{ name: 'http', port: 8080 }, { name: 'dns', port: 53, protocol: 'UDP' }]);
  const client = pod('a', 'cli', { app: 'cli' });
  const ingressPorts = (ports: object[]): string => netpol('a', 'p', { podSelector: { matchLabels: { app: 'srv' } }, ingress: [{ ports }] });

  test('protocol defaults to TCP', () => assert.equal(flows(inventory(server, client, ingressPorts([{ port: 80 }])), 'a/cli', 'a/srv'), 'TCP 80'));
  test('UDP and SCTP ports are distinct from TCP', () =>
    assert.equal(flows(inventory(server, client, ingressPorts([{ port: 53, protocol: 'UDP' }, { port: 9, protocol: 'SCTP' }])), 'a/cli', 'a/srv'), 'SCTP 9,UDP 53'));
  test('endPort makes a range', () => assert.equal(flows(inventory(server, client, ingressPorts([{ port: 8000, endPort: 8100 }])), 'a/cli', 'a/srv'), 'TCP 8000-8100'));
  test('a port clause without port covers every port of its protocol', () =>
    assert.equal(flows(inventory(server, client, ingressPorts([{ protocol: 'UDP' }])), 'a/cli', 'a/srv'), 'UDP 1-65535'));
  test('a named port resolves through the destination pod container ports', () =>
    assert.equal(flows(inventory(server, client, ingressPorts([{ port: 'http' }])), 'a/cli', 'a/srv'), 'TCP 8080'));
  test('a named port with the wrong protocol does not match', () =>
    assert.equal(flows(inventory(server, client, ingressPorts([{ port: 'dns' }])), 'a/cli', 'a/srv'), 'No Connections'));

  test('an egress named port resolves through each destination pod', () => {
    const other = pod('a', 'srv2', { app: 'srv2' }, [{ name: 'http', port: 9090 }]);
    const inv = inventory(server, other, client, netpol('a', 'p', { podSelector: { matchLabels: { app: 'cli' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] }));
    assert.equal(flows(inv, 'a/cli', 'a/srv'), 'TCP 8080');
    assert.equal(flows(inv, 'a/cli', 'a/srv2'), 'TCP 9090');
    assert.equal(flows(inv, 'a/cli', '1.1.1.1'), 'No Connections', 'named ports never match addresses');
  });
});

describe('AdminNetworkPolicy and BaselineAdminNetworkPolicy', () => {
  const pods = [ns('a', { tier: 'app' }), ns('b', { tier: 'db' }), pod('a', 'x', { app: 'x' }), pod('b', 'y', { app: 'y' })];
  const subjectA = { namespaces: { matchLabels: { tier: 'app' } } };
  const toB = [{ namespaces: { matchLabels: { tier: 'db' } } }];

  test('an ANP Deny outranks a NetworkPolicy allow', () => {
    const inv = inventory(...pods, anp('deny', { priority: 10, subject: subjectA, egress: [{ name: 'no-db', action: 'Deny', to: toB }] }), netpol('a', 'allow', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] }));
    assert.equal(flows(inv, 'a/x', 'b/y'), 'No Connections');
  });

  test('an ANP Allow outranks NetworkPolicy isolation', () => {
    const inv = inventory(...pods, anp('allow', { priority: 10, subject: subjectA, egress: [{ name: 'db', action: 'Allow', to: toB, ports: [{ portNumber: { protocol: 'TCP', port: 5432 } }] }] }), denyAll('a'));
    assert.equal(flows(inv, 'a/x', 'b/y'), 'TCP 5432');
  });

  test('the lower priority number wins between ANPs', () => {
    const inv = inventory(
      ...pods,
      anp('first', { priority: 5, subject: subjectA, egress: [{ name: 'r', action: 'Allow', to: toB }] }),
      anp('second', { priority: 50, subject: subjectA, egress: [{ name: 'r', action: 'Deny', to: toB }] }),
    );
    assert.equal(flows(inv, 'a/x', 'b/y'), 'All Connections');
  });

  test('within one ANP the first matching rule decides', () => {
    const inv = inventory(
      ...pods,
      anp('p', {
        priority: 1,
        subject: subjectA,
        egress: [
          { name: 'allow-dns', action: 'Allow', to: toB, ports: [{ portRange: { protocol: 'UDP', start: 50, end: 60 } }] },
          { name: 'deny-rest', action: 'Deny', to: toB },
        ],
      }),
    );
    assert.equal(flows(inv, 'a/x', 'b/y'), 'UDP 50-60');
  });

  test('Pass hands traffic to NetworkPolicies', () => {
    const inv = inventory(...pods, anp('p', { priority: 1, subject: subjectA, egress: [{ name: 'pass', action: 'Pass', to: toB }] }), netpol('a', 'np', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 443 }] }] }));
    assert.equal(flows(inv, 'a/x', 'b/y'), 'TCP 443');
  });

  test('Pass skips to the baseline when no NetworkPolicy selects the pod', () => {
    const inv = inventory(
      ...pods,
      anp('p', { priority: 1, subject: subjectA, egress: [{ name: 'pass', action: 'Pass', to: toB }] }),
      banp({ subject: subjectA, egress: [{ name: 'deny', action: 'Deny', to: toB }] }),
    );
    assert.equal(flows(inv, 'a/x', 'b/y'), 'No Connections');
  });

  test('the baseline does not apply to pods that NetworkPolicies isolate', () => {
    const inv = inventory(...pods, banp({ subject: subjectA, egress: [{ name: 'deny', action: 'Deny', to: toB }] }), netpol('a', 'np', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] }));
    assert.equal(flows(inv, 'a/x', 'b/y'), 'All Connections');
  });

  test('a baseline Deny applies to non-isolated pods', () => {
    const inv = inventory(...pods, banp({ subject: { namespaces: {} }, ingress: [{ name: 'deny-a', action: 'Deny', from: [{ namespaces: { matchLabels: { tier: 'app' } } }] }] }));
    assert.equal(flows(inv, 'a/x', 'b/y'), 'No Connections');
    assert.equal(flows(inv, 'b/y', 'a/x'), 'All Connections');
  });

  test('pods subjects and pods peers combine namespace and pod selectors', () => {
    const inv = inventory(
      ...pods,
      pod('b', 'z', { app: 'z' }),
      anp('p', { priority: 1, subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'x' } } } }, egress: [{ name: 'd', action: 'Deny', to: [{ pods: { namespaceSelector: { matchLabels: { tier: 'db' } }, podSelector: { matchLabels: { app: 'y' } } } }] }] }),
    );
    assert.equal(flows(inv, 'a/x', 'b/y'), 'No Connections');
    assert.equal(flows(inv, 'a/x', 'b/z'), 'All Connections');
  });

  test('networks peers select external addresses for egress', () => {
    const inv = inventory(...pods, anp('p', { priority: 1, subject: subjectA, egress: [{ name: 'd', action: 'Deny', to: [{ networks: ['8.8.8.8/32'] }], ports: [{ portNumber: { protocol: 'UDP', port: 53 } }] }] }));
    assert.equal(flows(inv, 'a/x', '8.8.8.8'), 'SCTP 1-65535,TCP 1-65535,UDP 1-52,54-65535');
    assert.equal(flows(inv, 'a/x', '8.8.4.4'), 'All Connections');
  });

  test('an ANP namedPort takes the protocol of the destination container port', () => {
    const server = pod('b', 's', { app: 's' }, [{ name: 'dns', port: 53, protocol: 'UDP' }]);
    const inv = inventory(...pods, server, anp('p', { priority: 1, subject: subjectA, egress: [{ name: 'dns', action: 'Allow', to: toB, ports: [{ namedPort: 'dns' }] }, { name: 'rest', action: 'Deny', to: toB }] }));
    assert.equal(flows(inv, 'a/x', 'b/s'), 'UDP 53');
    assert.equal(flows(inv, 'a/x', 'b/y'), 'No Connections');
  });

  test('an ANP without rules in a direction leaves that direction to the lower tiers', () => {
    const inv = inventory(...pods, anp('p', { priority: 1, subject: subjectA, egress: [{ name: 'd', action: 'Deny', to: toB }] }), denyAll('a', ['Ingress']));
    assert.equal(flows(inv, 'b/y', 'a/x'), 'No Connections');
  });
});
