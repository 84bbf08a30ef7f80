/** `planIncident`: the verdict, the residual and the guardrails that need the inventory. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { planExitCode, type NetworkActionPlan } from '../../src/analysis/plan';
import { ExitCode } from '../../src/errors';
import { pod } from './helpers';
import { anpDeny, baseCluster, DNS_EGRESS, existing, incident, isolation, np, owned, plan, QUARANTINE } from './plan-fixtures';

const isolateWebA = { kind: 'isolatePod', namespace: 'shop', pod: 'web-7d-a', dns: 'none' } as const;

function network(p: ReturnType<typeof plan>, index = 0): NetworkActionPlan {
  const a = p.actions[index];
  assert.equal(a.kind, 'network');
  return a as NetworkActionPlan;
}

function residualText(a: NetworkActionPlan): string[] {
  return a.residual.map((r) => `${r.direction} ${r.peer} ${r.ports} ${r.policy}`);
}

/** An existing policy that admits every pod of every namespace to the web pods. */
const ALLOW_ALL_PODS_TO_WEB = existing('shop', 'allow-all-ingress', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: {} }] }] });

describe('planIncident verdict', () => {
  test('isolating a pod that no other policy selects is effective', () => {
    const p = plan({ incident: incident(isolateWebA), inventory: baseCluster(), manifests: [isolation('shop', QUARANTINE)] });
    assert.equal(network(p).effective, true);
    assert.deepEqual(network(p).residual, []);
    assert.equal(p.effective, true);
  });

  test('an existing allow-all-ingress policy on the app label makes the isolation ineffective, naming the policy, peers and ports', () => {
    const p = plan({ incident: incident(isolateWebA), inventory: baseCluster(ALLOW_ALL_PODS_TO_WEB), manifests: [isolation('shop', QUARANTINE)] });
    const a = network(p);
    assert.equal(a.effective, false);
    assert.deepEqual(residualText(a), [
      'ingress kube-system/coredns-1[Pod] All Connections NetworkPolicy shop/allow-all-ingress',
      'ingress shop/api[Pod] All Connections NetworkPolicy shop/allow-all-ingress',
      'ingress shop/web-7d[ReplicaSet] All Connections NetworkPolicy shop/allow-all-ingress',
    ]);
    assert.ok(a.residual.every((r) => r.rule === 'ingress[0]' && r.target === 'shop/web-7d-a'));
  });

  test('the residual names the exact ports an existing rule still opens', () => {
    const allowHttp = existing('shop', 'allow-api-http', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 'http' }, { port: 9000, endPort: 9002, protocol: 'UDP' }] }] });
    const a = network(plan({ incident: incident(isolateWebA), inventory: baseCluster(allowHttp), manifests: [isolation('shop', QUARANTINE)] }));
    assert.deepEqual(residualText(a), ['ingress shop/api[Pod] TCP 8080,UDP 9000-9002 NetworkPolicy shop/allow-api-http']);
  });

  test('the same residual disappears when the manifests are an AdminNetworkPolicy Deny', () => {
    const p = plan({ incident: incident(isolateWebA), inventory: baseCluster(ALLOW_ALL_PODS_TO_WEB), manifests: [anpDeny()], reference: [isolation('shop', QUARANTINE)] });
    assert.equal(network(p).effective, true);
    assert.deepEqual(network(p).residual, []);
  });

  test('a patched copy of the allowing policy (NotIn the quarantine label) among the manifests replaces it, and the residual disappears', () => {
    const patched = np('shop', 'allow-all-ingress', {
      podSelector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'airlock.dev/quarantine', operator: 'NotIn', values: ['INC-7'] }] },
      ingress: [{ from: [{ namespaceSelector: {} }] }],
    });
    const a = network(plan({ incident: incident(isolateWebA), inventory: baseCluster(ALLOW_ALL_PODS_TO_WEB), manifests: [isolation('shop', QUARANTINE), patched], reference: [isolation('shop', QUARANTINE)] }));
    assert.equal(a.effective, true);
    // Nothing reaches the labelled pod any more; the patched policy still serves its replica.
    assert.ok(a.targets[0].reachability.ingress.every((c) => c.after.isEmpty()));
  });

  test('an AdminNetworkPolicy Deny leaves external ingress that a NetworkPolicy admits (ANP ingress has no networks peer)', () => {
    const allowAll = existing('shop', 'allow-everything-in', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{}] });
    const a = network(plan({ incident: incident(isolateWebA), inventory: baseCluster(allowAll), manifests: [anpDeny()], reference: [isolation('shop', QUARANTINE)] }));
    assert.deepEqual(residualText(a), [
      'ingress 0.0.0.0-255.255.255.255[External] All Connections NetworkPolicy shop/allow-everything-in',
      'ingress ::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff[External] All Connections NetworkPolicy shop/allow-everything-in',
    ]);
  });

  test('declared allows and the DNS profile remain after the change and are not residual', () => {
    const action = { kind: 'isolatePod', namespace: 'shop', pod: 'web-7d-a', dns: 'cluster', allow: [{ direction: 'ingress', namespace: 'shop', selector: { app: 'api' }, ports: [{ port: 8080 }] }] } as const;
    const manifests = [isolation('shop', QUARANTINE, { ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 8080 }] }], egress: [DNS_EGRESS] })];
    const a = network(plan({ incident: incident(action), inventory: baseCluster(), manifests }));
    assert.equal(a.effective, true);
    const [t] = a.targets;
    const after = (direction: 'ingress' | 'egress'): string[] => t.reachability[direction].filter((c) => !c.after.isEmpty()).map((c) => `${c.peer.key} ${c.after.toString()}`);
    assert.deepEqual(after('ingress'), ['shop/api[Pod] TCP 8080']);
    assert.deepEqual(after('egress'), ['kube-system/coredns-1[Pod] TCP 53,UDP 53']);
  });

  test('an allow that the backend renders wider than declared is residual, attributed to the Airlock policy itself', () => {
    const declared = isolation('shop', QUARANTINE, { ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 8080 }] }] });
    const wide = isolation('shop', QUARANTINE, { ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }] }] });
    const a = network(plan({ incident: incident(isolateWebA), inventory: baseCluster(), manifests: [wide], reference: [declared] }));
    assert.deepEqual(residualText(a), ['ingress shop/api[Pod] SCTP 1-65535,TCP 1-8079,8081-65535,UDP 1-65535 NetworkPolicy shop/airlock-inc-7-0']);
  });

  test('restrictEgress is judged on egress only and leaves ingress as it was', () => {
    const action = { kind: 'restrictEgress', namespace: 'shop', selector: { app: 'api' }, dns: 'none', allow: [{ namespace: 'shop', selector: { app: 'web' }, ports: [{ port: 8080 }] }] } as const;
    const manifests = [np('shop', 'airlock-inc-7-0', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 8080 }] }] })];
    const a = network(plan({ incident: incident(action), inventory: baseCluster(), manifests }));
    assert.deepEqual(a.restricts, ['egress']);
    assert.equal(a.effective, true);
    const [t] = a.targets;
    assert.ok(t.reachability.ingress.length > 0 && t.reachability.ingress.every((c) => c.after.equals(c.before)));
  });

  test('restrictEgress is ineffective when an existing egress allow still reaches beyond the allow-list', () => {
    const action = { kind: 'restrictEgress', namespace: 'shop', selector: { app: 'api' }, dns: 'none', allow: [] } as const;
    const anyHttps = existing('shop', 'egress-https', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443 }] }] });
    const manifests = [np('shop', 'airlock-inc-7-0', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Egress'] })];
    const a = network(plan({ incident: incident(action), inventory: baseCluster(anyHttps), manifests }));
    assert.deepEqual(residualText(a), ['egress 0.0.0.0-255.255.255.255[External] TCP 443 NetworkPolicy shop/egress-https']);
  });

  test('isolatePod evaluates the pod as it will be, carrying the quarantine label that the policy selects', () => {
    const a = network(plan({ incident: incident(isolateWebA), inventory: baseCluster(), manifests: [isolation('shop', QUARANTINE)] }));
    const [t] = a.targets;
    assert.deepEqual(t.reachability.policiesAfter.ingress, [{ kind: 'NetworkPolicy', namespace: 'shop', name: 'airlock-inc-7-0' }]);
    assert.deepEqual(t.reachability.policiesBefore.ingress, []);
    // The sibling replica keeps its traffic: only the labelled pod is selected.
    assert.deepEqual(a.targets.map((x) => x.name), ['shop/web-7d-a']);
  });

  test('a pod named by isolatePod that the inventory lacks is an error finding, not a crash', () => {
    const p = plan({ incident: incident({ ...isolateWebA, pod: 'web-7d-zzz' }), inventory: baseCluster(), manifests: [isolation('shop', QUARANTINE)] });
    const a = network(p);
    assert.equal(a.effective, false);
    assert.deepEqual(a.targets, []);
    assert.deepEqual(a.findings.map((f) => [f.severity, f.code]), [['error', 'missing-pod']]);
    assert.match(a.findings[0].message, /shop\/web-7d-zzz is not in the inventory/);
  });

  test('reference policies that do not restrict a judged direction make the verdict unprovable', () => {
    const egressOnly = np('shop', 'airlock-inc-7-0', { podSelector: { matchLabels: QUARANTINE }, policyTypes: ['Egress'] });
    const a = network(plan({ incident: incident(isolateWebA), inventory: baseCluster(), manifests: [isolation('shop', QUARANTINE)], reference: [egressOnly] }));
    assert.equal(a.effective, false);
    assert.deepEqual(a.findings.map((f) => f.code), ['reference-not-restricting']);
  });
});

describe('planIncident exactness', () => {
  test('a workload whose pods differ in labels cannot hide one pod residual behind another pod declared allow', () => {
    const cluster = baseCluster(
      owned('mon', 'scraper-1', 'scraper', { app: 'scraper', track: 'stable' }),
      owned('mon', 'scraper-2', 'scraper', { app: 'scraper', track: 'canary' }),
      existing('shop', 'canary-scrape', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { track: 'canary' } } }], ports: [{ port: 8080 }] }] }),
    );
    // The declared allow admits the stable scraper on 8080; the existing policy admits the canary one on 8080.
    const declared = isolation('shop', QUARANTINE, { ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { track: 'stable' } } }], ports: [{ port: 8080 }] }] });
    const a = network(plan({ incident: incident(isolateWebA), inventory: cluster, manifests: [declared] }));
    assert.deepEqual(residualText(a), ['ingress mon/scraper[ReplicaSet] TCP 8080 NetworkPolicy shop/canary-scrape']);
  });

  test('external residual is exactly the addresses beyond the declared range (common refinement of both inventories)', () => {
    const anyHttps = existing('shop', 'egress-https', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: [{ port: 443 }] }] });
    const declared = isolation('shop', QUARANTINE, { egress: [{ to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ port: 443 }] }] });
    const a = network(plan({ incident: incident(isolateWebA), inventory: baseCluster(anyHttps), manifests: [declared] }));
    assert.deepEqual(residualText(a), [
      'egress 0.0.0.0-9.255.255.255[External] TCP 443 NetworkPolicy shop/egress-https',
      'egress 11.0.0.0-203.0.112.255[External] TCP 443 NetworkPolicy shop/egress-https',
      'egress 203.0.114.0-255.255.255.255[External] TCP 443 NetworkPolicy shop/egress-https',
    ]);
  });

  test('a peer whose own policies block the traffic leaves no residual: only what can flow is judged', () => {
    const cluster = baseCluster(
      ALLOW_ALL_PODS_TO_WEB,
      existing('shop', 'api-no-egress', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Egress'] }),
      existing('shop', 'web-egress-none', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'] }),
    );
    const a = network(plan({ incident: incident(isolateWebA), inventory: cluster, manifests: [isolation('shop', QUARANTINE)] }));
    assert.ok(!a.residual.some((r) => r.peer === 'shop/api[Pod]'));
    assert.ok(a.residual.some((r) => r.peer === 'kube-system/coredns-1[Pod]'));
  });
});

describe('planIncident guardrails', () => {
  test('the blast radius lists owner workloads, and a selector catching two workloads warns naming them', () => {
    const cluster = baseCluster(owned('shop', 'web-canary-x', 'web-canary', { app: 'web', track: 'canary' }));
    const action = { kind: 'isolateWorkload', namespace: 'shop', selector: { app: 'web' }, dns: 'none' } as const;
    const a = network(plan({ incident: incident(action), inventory: cluster, manifests: [isolation('shop', { app: 'web' })] }));
    assert.deepEqual(
      a.blastRadius.map((w) => [w.workload, w.pods]),
      [
        ['shop/web-7d[ReplicaSet]', ['web-7d-a', 'web-7d-b']],
        ['shop/web-canary[ReplicaSet]', ['web-canary-x']],
      ],
    );
    const warning = a.findings.find((f) => f.code === 'multiple-workloads');
    assert.ok(warning && warning.severity === 'warning');
    assert.match(warning.message, /shop\/web-7d\[ReplicaSet\] \(2 pods\), shop\/web-canary\[ReplicaSet\] \(1 pod\)/);
  });

  test('a selector that matches one workload does not warn', () => {
    const action = { kind: 'isolateWorkload', namespace: 'shop', selector: { app: 'web' }, dns: 'none' } as const;
    const a = network(plan({ incident: incident(action), inventory: baseCluster(), manifests: [isolation('shop', { app: 'web' })] }));
    assert.deepEqual(a.findings, []);
  });

  test('more pods than the blast-radius limit is refused', () => {
    const action = { kind: 'quarantineNamespace', namespace: 'shop', dns: 'none' } as const;
    const p = plan({ incident: incident(action), inventory: baseCluster(), manifests: [isolation('shop', {})], blastRadiusLimit: 2 });
    const a = network(p);
    assert.equal(a.refused, true);
    assert.equal(p.refused, true);
    const refusal = a.findings.find((f) => f.code === 'blast-radius');
    assert.ok(refusal && refusal.refused === true);
    assert.match(refusal.message, /3 pods, more than the blast-radius limit of 2/);
  });

  test('an override reason turns the refusal into a warning that names the reason', () => {
    const action = { kind: 'quarantineNamespace', namespace: 'shop', dns: 'none', override: { reason: 'whole shop namespace is compromised (SEC-1234)' } } as const;
    const a = network(plan({ incident: incident(action), inventory: baseCluster(), manifests: [isolation('shop', {})], blastRadiusLimit: 2 }));
    assert.equal(a.refused, false);
    const w = a.findings.find((f) => f.code === 'blast-radius-override');
    assert.ok(w && w.severity === 'warning' && !w.refused);
    assert.match(w.message, /whole shop namespace is compromised \(SEC-1234\)/);
  });

  test('a selector that matches no pod warns', () => {
    const action = { kind: 'isolateWorkload', namespace: 'shop', selector: { app: 'wbe' }, dns: 'none' } as const;
    const a = network(plan({ incident: incident(action), inventory: baseCluster(), manifests: [isolation('shop', { app: 'wbe' })] }));
    assert.deepEqual(a.targets, []);
    assert.deepEqual(a.findings.map((f) => [f.severity, f.code]), [['warning', 'empty-selector']]);
    assert.match(a.findings[0].message, /app=wbe matches no pod in namespace shop/);
  });

  test('any DNS profile but none warns that DNS permits tunnelling', () => {
    const withDns = network(plan({ incident: incident({ ...isolateWebA, dns: 'cluster' }), inventory: baseCluster(), manifests: [isolation('shop', QUARANTINE, { egress: [DNS_EGRESS] })] }));
    assert.match(withDns.findings.find((f) => f.code === 'dns-tunnel')?.message ?? '', /DNS permits tunnelling/);
    const unset = network(plan({ incident: incident({ kind: 'isolatePod', namespace: 'shop', pod: 'web-7d-a' }), inventory: baseCluster(), manifests: [isolation('shop', QUARANTINE, { egress: [DNS_EGRESS] })] }));
    assert.equal(unset.dns, 'cluster');
    assert.ok(unset.findings.some((f) => f.code === 'dns-tunnel'));
    const none = network(plan({ incident: incident(isolateWebA), inventory: baseCluster(), manifests: [isolation('shop', QUARANTINE)] }));
    assert.ok(!none.findings.some((f) => f.code === 'dns-tunnel'));
  });

  test('an image block gives an admission entry with a warning for each entry weaker than a digest', () => {
    const p = plan({
      incident: incident({ kind: 'blockImages', reason: 'miner', images: ['registry.example/miner:1.0', `registry.example/miner@sha256:${'a'.repeat(64)}`] }),
      inventory: baseCluster(),
      manifests: [],
    });
    const [a] = p.actions;
    assert.equal(a.kind, 'admission');
    assert.equal(a.effective, true);
    assert.deepEqual(a.findings.map((f) => f.code), ['weak-image-block']);
    assert.match(a.findings[0].message, /registry.example\/miner:1.0 blocks by tag/);
  });
});

describe('planIncident image blocks and running pods', () => {
  const DIGEST = `sha256:${'c'.repeat(64)}`;
  /** A ReplicaSet-owned pod running `image`, with a status imageID when `pulled` is given. */
  function running(name: string, image: string, pulled?: string): string {
    return JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { namespace: 'shop', name, ownerReferences: [{ kind: 'ReplicaSet', name: 'miner-5f', controller: true }] },
      spec: { containers: [{ name: 'main', image }] },
      ...(pulled ? { status: { containerStatuses: [{ name: 'main', imageID: `registry.example/miner@${pulled}` }] } } : {}),
    });
  }
  const blockImages = (images: string[]) => incident({ kind: 'blockImages', reason: 'miner', images });

  test('lists the running pods and their owner workloads that use an image blocked by repository:tag', () => {
    const p = plan({ incident: blockImages(['registry.example/miner:1.0']), inventory: baseCluster(running('miner-5f-a', 'registry.example/miner:1.0'), running('miner-5f-b', 'registry.example/miner:2.0')), manifests: [] });
    const [a] = p.actions;
    assert.equal(a.kind, 'admission');
    assert.deepEqual(a.running, [{ pod: 'shop/miner-5f-a', workload: 'shop/miner-5f[ReplicaSet]', container: 'main', image: 'registry.example/miner:1.0', entry: 'registry.example/miner:1.0' }]);
    assert.equal(a.effective, true, 'admission still blocks new pods: the verdict is unchanged');
    const finding = a.findings.find((f) => f.code === 'running-blocked-image')!;
    assert.match(finding.message, /1 running pod of 1 workload still run a blocked image .*shop\/miner-5f-a \(main\)/);
  });

  test('a digest block catches a pod whose status shows it pulled that digest, under any tag', () => {
    const p = plan({ incident: blockImages([`registry.example/miner@${DIGEST}`]), inventory: baseCluster(running('miner-5f-a', 'registry.example/miner:latest', DIGEST), running('miner-5f-b', 'registry.example/miner:latest')), manifests: [] });
    const [a] = p.actions;
    assert.equal(a.kind, 'admission');
    assert.deepEqual(
      a.running.map((r) => [r.pod, r.digest]),
      [['shop/miner-5f-a', DIGEST]],
    );
  });

  test('a repository block catches every tag; pods running other images are not listed', () => {
    const p = plan({ incident: blockImages(['registry.example/miner']), inventory: baseCluster(running('miner-5f-a', 'registry.example/miner:1.0'), running('miner-5f-b', 'registry.example/miner:2.0')), manifests: [] });
    const [a] = p.actions;
    assert.equal(a.kind, 'admission');
    assert.deepEqual(a.running.map((r) => r.pod), ['shop/miner-5f-a', 'shop/miner-5f-b']);
    assert.ok(!a.running.some((r) => r.pod.startsWith('shop/web')));
  });

  test('no running pod uses the image: no finding', () => {
    const p = plan({ incident: blockImages(['registry.example/miner:1.0']), inventory: baseCluster(), manifests: [] });
    const [a] = p.actions;
    assert.equal(a.kind, 'admission');
    assert.deepEqual(a.running, []);
    assert.ok(!a.findings.some((f) => f.code === 'running-blocked-image'));
  });
});

describe('planExitCode', () => {
  test('is 4 when any action is ineffective or refused, 0 otherwise', () => {
    const good = plan({ incident: incident(isolateWebA), inventory: baseCluster(), manifests: [isolation('shop', QUARANTINE)] });
    const bad = plan({ incident: incident(isolateWebA), inventory: baseCluster(ALLOW_ALL_PODS_TO_WEB), manifests: [isolation('shop', QUARANTINE)] });
    const refused = plan({ incident: incident({ kind: 'quarantineNamespace', namespace: 'shop', dns: 'none' }), inventory: baseCluster(), manifests: [isolation('shop', {})], blastRadiusLimit: 1 });
    assert.equal(planExitCode([good]), ExitCode.ok);
    assert.equal(planExitCode([good, bad]), ExitCode.ineffective);
    assert.equal(planExitCode([refused]), ExitCode.ineffective);
  });
});

describe('planIncident inputs', () => {
  test('a pod labelled by two actions of the incident is evaluated once, carrying the label', () => {
    const restrict = { kind: 'restrictEgress', namespace: 'shop', pod: 'web-7d-a', dns: 'none', allow: [] } as const;
    const p = plan({ incident: incident(isolateWebA, restrict), inventory: baseCluster(pod('shop', 'other', { app: 'other' })), manifests: [isolation('shop', QUARANTINE)] });
    assert.deepEqual(p.actions.map((a) => a.effective), [true, true]);
  });
});
