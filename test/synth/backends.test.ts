/**
 * Enforcement backends: golden output per backend (what a reviewer reads), validity of every object against
 * the upstream CRD schemas in ../shared/crds (plus the CEL rules JSON schema misses) or the Kubernetes schemas,
 * DNS profiles on every backend, refusals of what a backend cannot express exactly, the settings that choose
 * and tune a backend, and the small arithmetic (CIDR blocks, Calico quoting) the backends rely on.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { isolate, quarantineNamespace, restrictEgress } from '../../src/incident/declare';
import { DNS_PROFILES, type Action } from '../../src/incident/types';
import { DEFAULT_GUARDRAILS, resolveSettings, type EnforcementBackend, type SettingsSpec } from '../../src/settings/settings';
import { validateSettings } from '../../src/settings/validate-settings';
import { incidentObjects, synthesizeIncident, synthesize } from '../../src/synth/synthesize';
import { writeDist } from '../../src/synth/dist-writer';
import { BackendRefusalError } from '../../src/synth/backends';
import { blocksWithout, formatAddress, rangeToCidrs } from '../../src/synth/backends/cidr-blocks';
import { calicoSelector, parseCalicoSelector, quoteSelectorValue } from '../../src/synth/backends/calico-selector';
import { CrdValidator } from './crd-schemas';
import { incident, manifestsText } from './fixtures';
import { tempDir } from '../support/temp-dir';

const GOLDEN = path.join(__dirname, 'golden');

/** One action of each kind, with pod, namespace and address allows (IPv4 and IPv6, except, ranges) every backend can express. */
const ACTIONS: Action[] = [
  isolate({ namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k', allow: [{ direction: 'ingress', namespace: 'monitoring', selector: { app: 'prometheus' }, ports: [{ port: 9090 }] }] }),
  isolate({
    namespace: 'payments',
    selector: { app: 'checkout' },
    dns: 'none',
    allow: [
      { direction: 'egress', cidr: '203.0.113.0/24', ports: [{ port: 443 }] },
      { direction: 'ingress', cidr: '198.51.100.0/24', ports: [{ port: 8443 }] },
    ],
  }),
  quarantineNamespace({
    namespace: 'ci',
    dns: 'openshift',
    allow: [
      { direction: 'egress', cidr: '10.0.0.0/8', except: ['10.9.0.0/16'], ports: [{ port: 8000, endPort: 8100, protocol: 'UDP' }] },
      { direction: 'egress', cidr: '2001:db8::/32' },
    ],
  }),
  restrictEgress({ namespace: 'data', pod: 'reporting-0', allow: [{ namespace: 'data', selector: { app: 'db' }, ports: [{ port: 5432 }] }] }),
];

const BACKENDS: Record<string, SettingsSpec> = {
  adminnetworkpolicy: { backend: 'adminnetworkpolicy' },
  clusternetworkpolicy: { backend: 'adminnetworkpolicy', adminNetworkPolicy: { kind: 'ClusterNetworkPolicy' } },
  calico: { backend: 'calico' },
  cilium: { backend: 'cilium' },
};

describe('golden output per backend', () => {
  for (const [name, spec] of Object.entries(BACKENDS)) {
    test(`${name} synthesizes the reviewed manifests`, () => {
      const text = manifestsText(synthesizeIncident(incident(ACTIONS), resolveSettings(spec)));
      const file = path.join(GOLDEN, `backend-${name}.yaml`);
      if (process.env.UPDATE_GOLDEN) fs.writeFileSync(file, text);
      assert.equal(text, fs.readFileSync(file, 'utf8'));
    });
  }

  test('networkpolicy stays the default, and its output does not change', () => {
    assert.equal(resolveSettings().backend, 'networkpolicy');
    const one = manifestsText(synthesizeIncident(incident([ACTIONS[0]]), resolveSettings()));
    assert.equal(one, manifestsText(synthesizeIncident(incident([ACTIONS[0]]), resolveSettings({ backend: 'networkpolicy', calico: { order: 5 } }))));
    assert.doesNotMatch(one, /AdminNetworkPolicy|GlobalNetworkPolicy|CiliumNetworkPolicy/);
  });
});

describe('objects validate against the upstream CRD schemas', () => {
  const crds = new CrdValidator();
  /** Validates every object; returns the kinds seen. */
  const check = (objects: Array<Record<string, unknown>>, channel: 'standard' | 'experimental' = 'standard'): string[] => {
    for (const o of objects) {
      if (o.kind === 'NetworkPolicy') new NetworkPolicy(o as never).validate();
      else assert.deepEqual(crds.problems(o, channel), [], `${String(o.kind)} ${JSON.stringify((o.metadata as { name: string }).name)}`);
    }
    return [...new Set(objects.map((o) => o.kind as string))].sort();
  };
  const labelled = (o: Record<string, unknown>): void => {
    const meta = o.metadata as { labels: Record<string, string> };
    assert.equal(meta.labels['app.kubernetes.io/managed-by'], 'airlock');
    assert.equal(meta.labels['airlock.dev/incident'], 'INC-7');
    assert.ok(meta.labels['airlock.dev/action']);
  };

  for (const [name, spec] of Object.entries(BACKENDS)) {
    test(`${name}: every action kind, every DNS profile the backend accepts`, () => {
      const kinds = new Set<string>();
      for (const dns of DNS_PROFILES) {
        if (name === 'cilium' && dns === 'cluster+nodelocal') continue;
        const actions = ACTIONS.map((a) => ({ ...a, dns }) as Action);
        const objects = incidentObjects(incident(actions), resolveSettings(spec)).filter((o) => o.kind !== 'ConfigMap');
        objects.forEach(labelled);
        for (const k of check(objects)) kinds.add(k);
      }
      const expected = { adminnetworkpolicy: ['AdminNetworkPolicy', 'NetworkPolicy'], clusternetworkpolicy: ['ClusterNetworkPolicy', 'NetworkPolicy'], calico: ['GlobalNetworkPolicy'], cilium: ['CiliumNetworkPolicy'] }[name];
      assert.deepEqual([...kinds].sort(), expected);
    });
  }

  test('named ports: AdminNetworkPolicy needs the experimental channel CRD; ClusterNetworkPolicy and Calico take them as is', () => {
    const named = [isolate({ namespace: 'payments', pod: 'checkout-1', allow: [{ direction: 'ingress', namespace: 'monitoring', ports: [{ port: 'metrics' }] }, { direction: 'egress', namespace: 'data', ports: [{ port: 'postgres' }] }] })];
    const anp = incidentObjects(incident(named), resolveSettings({ backend: 'adminnetworkpolicy' })).find((o) => o.kind === 'AdminNetworkPolicy')!;
    assert.deepEqual(crds.problems(anp, 'experimental'), []);
    assert.ok(crds.problems(anp, 'standard').length > 0, 'namedPort is not a field of the standard channel');
    check(incidentObjects(incident(named), resolveSettings(BACKENDS.clusternetworkpolicy)).filter((o) => o.kind !== 'ConfigMap'));
    check(incidentObjects(incident(named), resolveSettings({ backend: 'calico' })));
  });

  test('admin-tier policies are cluster-scoped; the Cilium policy lives in the action namespace', () => {
    const objects = (spec: SettingsSpec): Array<{ kind: string; metadata: { name: string; namespace?: string } }> => incidentObjects(incident(ACTIONS), resolveSettings(spec)) as never;
    for (const o of objects(BACKENDS.adminnetworkpolicy).filter((x) => x.kind === 'AdminNetworkPolicy')) assert.equal(o.metadata.namespace, undefined);
    for (const o of objects(BACKENDS.calico)) assert.equal(o.metadata.namespace, undefined);
    assert.deepEqual(objects(BACKENDS.cilium).map((o) => o.metadata.namespace), ['payments', 'payments', 'ci', 'data']);
  });

  test('the CEL checks catch what JSON schema lets through', () => {
    const anp = { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: 'x' }, spec: { priority: 1, subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ networks: ['10.0.0.0/33'] }] }] } };
    assert.match(crds.problems(anp).join('\n'), /Invalid CIDR/);
    const cnp = { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name: 'x' }, spec: { tier: 'Admin', priority: 1, subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ namespaces: {} }], protocols: [{ tcp: { destinationPort: { range: { start: 80, end: 80 } } } }] }] } };
    assert.match(crds.problems(cnp).join('\n'), /Start port must be less than End port/);
    const gnp = { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'x' }, spec: { preDNAT: true, types: ['Egress'], egress: [{ action: 'Deny', http: { methods: ['GET'] } }] } };
    assert.match(crds.problems(gnp).join('\n'), /preDNAT policy cannot have any egress/);
    assert.match(crds.problems(gnp).join('\n'), /HTTP match is only valid on Allow/);
    const ns = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'x' }, spec: { endpointSelector: {}, egressDeny: [{ toEntities: ['world'] }] } };
    assert.match(crds.problems(ns).join('\n'), /namespace is missing/);
    const typo = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'x', namespace: 'a' }, spec: { endpointSelector: {}, egresDeny: [{ toEntities: ['world'] }] } };
    assert.ok(crds.problems(typo).length > 0, 'a misspelled field fails');
  });

  test('kubectl kustomize builds a folder with cluster-scoped and namespaced objects', () => {
    const tree = synthesize({ settings: resolveSettings(BACKENDS.adminnetworkpolicy), guardrails: DEFAULT_GUARDRAILS, incidents: [incident(ACTIONS)] });
    const dir = tempDir('airlock-backends-');
    writeDist(path.join(dir, 'dist'), tree);
    const built = spawnSync('kubectl', ['kustomize', path.join(dir, 'dist', 'inc-7')], { encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    const docs = parseAllDocuments(built.stdout).map((d) => d.toJS() as { kind: string; metadata: { namespace?: string } });
    assert.equal(docs.filter((d) => d.kind === 'AdminNetworkPolicy').length, 4);
    assert.ok(docs.filter((d) => d.kind === 'AdminNetworkPolicy').every((d) => d.metadata.namespace === undefined));
  });
});

describe('DNS profiles on every backend', () => {
  const egressText = (backend: EnforcementBackend, dns: (typeof DNS_PROFILES)[number]): string =>
    JSON.stringify(incidentObjects(incident([isolate({ namespace: 'payments', pod: 'checkout-1', dns })]), resolveSettings({ backend })));

  for (const backend of ['adminnetworkpolicy', 'calico', 'cilium'] as const) {
    test(`${backend}: none allows no DNS, cluster allows kube-dns on 53, openshift openshift-dns on 5353`, () => {
      assert.doesNotMatch(egressText(backend, 'none'), /kube-dns|"53"|:53\b/);
      assert.match(egressText(backend, 'cluster'), /kube-dns/);
      assert.match(egressText(backend, 'cluster'), /(port":53|"53"|ports":\[53\])/);
      assert.match(egressText(backend, 'openshift'), /openshift-dns/);
      assert.doesNotMatch(egressText(backend, 'openshift'), /kube-dns/);
    });
  }

  test('cluster+nodelocal adds the cache address on adminnetworkpolicy and calico', () => {
    assert.match(egressText('adminnetworkpolicy', 'cluster+nodelocal'), /169\.254\.20\.10\/32/);
    assert.match(egressText('calico', 'cluster+nodelocal'), /169\.254\.20\.10\/32/);
  });

  test('cluster+nodelocal is refused on cilium, naming the field and the alternatives', () => {
    assert.throws(
      () => egressText('cilium', 'cluster+nodelocal'),
      (err: unknown) => err instanceof BackendRefusalError && err.backend === 'cilium' && err.problems[0].field === 'actions[0].dns' && /adminnetworkpolicy or calico/.test(err.problems[0].hint ?? ''),
    );
  });
});

describe('refusals', () => {
  const refused = (backend: EnforcementBackend, actions: Action[], field: RegExp, settings: SettingsSpec = {}): BackendRefusalError => {
    let caught: unknown;
    try {
      incidentObjects(incident(actions), resolveSettings({ backend, ...settings }));
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof BackendRefusalError, `expected a refusal, got ${String(caught)}`);
    assert.equal(caught.exitCode, 3);
    assert.ok(caught.problems.every((p) => p.file === 'incidents/INC-7.ts'));
    assert.ok(caught.problems.some((p) => field.test(p.field)), caught.message);
    return caught;
  };

  test('cilium: two allows selecting different pods of one namespace', () => {
    const err = refused('cilium', [isolate({ namespace: 'a', pod: 'p', allow: [{ direction: 'egress', namespace: 'b', selector: { app: 'x' } }, { direction: 'egress', namespace: 'b', selector: { tier: 'y' } }] })], /^actions\[0\]\.allow\[1\]$/);
    assert.match(err.message, /overlapping pod selections/);
    assert.match(err.message, /adminnetworkpolicy or calico/);
  });

  test('cilium: a declared allow that overlaps the DNS pods', () => {
    refused('cilium', [isolate({ namespace: 'a', pod: 'p', allow: [{ direction: 'egress', namespace: 'kube-system', ports: [{ port: 443 }] }] })], /^actions\[0\]\.allow\[0\]$/);
  });

  test('cilium: a named port with a restricted port set', () => {
    const err = refused('cilium', [isolate({ namespace: 'a', pod: 'p', allow: [{ direction: 'ingress', namespace: 'monitoring', ports: [{ port: 'metrics' }] }] })], /^actions\[0\]\.allow\[0\]\.ports$/);
    assert.match(err.message, /named port "metrics"/);
  });

  test('cilium accepts allows to the same pods (merged ports) and to pods of several namespaces', () => {
    const objects = incidentObjects(
      incident([isolate({ namespace: 'a', pod: 'p', allow: [{ direction: 'egress', namespace: 'b', selector: { app: 'x' }, ports: [{ port: 80 }] }, { direction: 'egress', namespace: 'b', selector: { app: 'x' }, ports: [{ port: 443 }] }, { direction: 'egress', namespace: 'c' }] })]),
      resolveSettings({ backend: 'cilium' }),
    );
    assert.equal(objects.length, 1);
  });

  for (const backend of ['adminnetworkpolicy', 'calico', 'cilium'] as const) {
    test(`${backend}: a named port on a cidr peer (it would allow nothing)`, () => {
      refused(backend, [restrictEgress({ namespace: 'a', pod: 'p', allow: [{ cidr: '10.0.0.0/8', ports: [{ port: 'https' }] }] })], /^actions\[0\]\.allow\[0\]\.ports$/);
    });
  }

  test('adminnetworkpolicy: a priority past 1000', () => {
    refused('adminnetworkpolicy', [ACTIONS[0], ACTIONS[3]], /^actions\[1\]$/, { adminNetworkPolicy: { priority: 1000 } });
  });

  test('adminnetworkpolicy: more networks than one rule may hold (ClusterNetworkPolicy: 25 peers)', () => {
    // 0.0.0.0/0 minus 40 scattered /32 holes needs more than 25 × 25 blocks.
    const except = Array.from({ length: 40 }, (_, i) => `10.${i}.0.1/32`);
    refused('adminnetworkpolicy', [restrictEgress({ namespace: 'a', pod: 'p', allow: [{ cidr: '0.0.0.0/0', except }] })], /^actions\[0\]\.allow$/, { adminNetworkPolicy: { kind: 'ClusterNetworkPolicy' } });
  });
});

describe('settings', () => {
  test('accept every backend and their options', () => {
    for (const backend of ['networkpolicy', 'adminnetworkpolicy', 'calico', 'cilium']) assert.deepEqual(validateSettings({ backend }, 'policies/settings.ts'), []);
    assert.deepEqual(validateSettings({ adminNetworkPolicy: { priority: 0, kind: 'ClusterNetworkPolicy' }, calico: { order: 0.5 } }, 'policies/settings.ts'), []);
  });

  test('reject unknown backends and out-of-range priority and order, naming the field', () => {
    const fields = (raw: unknown): string[] => validateSettings(raw, 'policies/settings.ts').map((p) => p.field);
    assert.deepEqual(fields({ backend: 'antrea' }), ['backend']);
    assert.deepEqual(fields({ adminNetworkPolicy: { priority: 1001 } }), ['adminNetworkPolicy.priority']);
    assert.deepEqual(fields({ adminNetworkPolicy: { priority: 1.5 } }), ['adminNetworkPolicy.priority']);
    assert.deepEqual(fields({ adminNetworkPolicy: { kind: 'BaselineAdminNetworkPolicy' } }), ['adminNetworkPolicy.kind']);
    assert.deepEqual(fields({ calico: { order: 1000 } }), ['calico.order']);
    assert.deepEqual(fields({ calico: { order: -1 } }), ['calico.order']);
    assert.deepEqual(fields({ calico: { tier: 'security' } }), ['calico.tier']);
  });

  test('defaults: priority 10 plus the action index, Calico order 100', () => {
    const anps = incidentObjects(incident(ACTIONS), resolveSettings({ backend: 'adminnetworkpolicy' })).filter((o) => o.kind === 'AdminNetworkPolicy');
    assert.deepEqual(anps.map((o) => (o.spec as { priority: number }).priority), [10, 11, 12, 13]);
    const gnps = incidentObjects(incident(ACTIONS), resolveSettings({ backend: 'calico', calico: { order: 50 } }));
    assert.ok(gnps.every((o) => (o.spec as { order: number }).order === 50));
  });
});

describe('CIDR blocks', () => {
  test('a cidr minus its holes, exactly', () => {
    assert.deepEqual(blocksWithout('10.0.0.0/8', ['10.9.0.0/16']), ['10.0.0.0/13', '10.8.0.0/16', '10.10.0.0/15', '10.12.0.0/14', '10.16.0.0/12', '10.32.0.0/11', '10.64.0.0/10', '10.128.0.0/9']);
    assert.deepEqual(blocksWithout('192.0.2.0/24'), ['192.0.2.0/24']);
    assert.deepEqual(blocksWithout('192.0.2.0/31', ['192.0.2.0/32']), ['192.0.2.1/32']);
    assert.deepEqual(blocksWithout('10.0.0.0/8', ['10.0.0.0/8']), []);
    assert.deepEqual(blocksWithout('2001:db8::/32', ['2001:db8::/33']), ['2001:db8:8000::/33']);
  });

  test('ranges to CIDRs and RFC 5952 addresses', () => {
    assert.deepEqual(rangeToCidrs({ family: 4, first: 1n, last: 6n }), ['0.0.0.1/32', '0.0.0.2/31', '0.0.0.4/31', '0.0.0.6/32']);
    assert.equal(formatAddress(6, 0n), '::');
    assert.equal(formatAddress(6, 1n), '::1');
    assert.equal(formatAddress(6, 0x20010db8000000000000000000000001n), '2001:db8::1');
    assert.equal(formatAddress(6, 0x20010db8000100000001000000000000n), '2001:db8:1:0:1::');
  });
});

describe('Calico selectors', () => {
  test('namespace and labels, quoted so a value never ends its literal', () => {
    assert.equal(calicoSelector('payments', { 'airlock.dev/quarantine': 'INC-7' }), "projectcalico.org/namespace == 'payments' && airlock.dev/quarantine == 'INC-7'");
    assert.equal(calicoSelector(undefined, {}), 'all()');
    assert.equal(quoteSelectorValue("it's"), `"it's"`);
    assert.throws(() => quoteSelectorValue(`'"`));
    assert.throws(() => calicoSelector('a', { 'x == "y" || k': 'v' }));
  });

  test('read back what was written', () => {
    assert.deepEqual(parseCalicoSelector(calicoSelector('ns', { app: 'x', 'k8s-app': 'kube-dns' })), { namespace: 'ns', labels: { app: 'x', 'k8s-app': 'kube-dns' } });
    assert.throws(() => parseCalicoSelector("app != 'x'"));
  });
});
