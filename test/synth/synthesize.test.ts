/**
 * Synthesis specifications: golden output per action kind (files a reviewer reads), schema validity of every
 * object, `kubectl kustomize` over every folder, DNS profiles and naming rules.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ConfigMap, Namespace } from 'kubernetes-models/v1';
import { ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from 'kubernetes-models/admissionregistration.k8s.io/v1';
import { blockImages, isolate, quarantineNamespace, restrictEgress } from '../../src/incident/declare';
import type { Action } from '../../src/incident/types';
import { DEFAULT_GUARDRAILS, resolveSettings, type AdmissionSettings } from '../../src/settings/settings';
import { distFolders, PLATFORM_DIR, synthesize, synthesizeIncident } from '../../src/synth/synthesize';
import { writeDist } from '../../src/synth/dist-writer';
import { incident, manifestsText } from './fixtures';
import { tempDir } from '../support/temp-dir';

const settings = resolveSettings();
const GOLDEN = path.join(__dirname, 'golden');

const KINDS: Record<string, Action[]> = {
  'isolate-pod': [isolate({ namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k', allow: [{ direction: 'ingress', namespace: 'monitoring', selector: { app: 'prometheus' }, ports: [{ port: 'metrics' }] }] })],
  'isolate-workload': [isolate({ namespace: 'payments', selector: { app: 'checkout' }, dns: 'none' })],
  'quarantine-namespace': [quarantineNamespace({ namespace: 'ci', dns: 'cluster+nodelocal', allow: [{ direction: 'egress', cidr: '10.0.0.0/8', except: ['10.9.0.0/16'], ports: [{ port: 8000, endPort: 8100, protocol: 'UDP' }] }] })],
  'restrict-egress': [restrictEgress({ namespace: 'data', pod: 'reporting-0', dns: 'openshift', allow: [{ namespace: 'data', selector: { app: 'db' }, ports: [{ port: 5432 }] }] })],
  'block-images': [blockImages({ images: ['ghcr.io/acme/app@sha256:' + 'a'.repeat(64), 'nginx:1.25', 'evil/miner'], reason: 'compromised upstream' })],
};

describe('golden output per action kind', () => {
  for (const [kind, actions] of Object.entries(KINDS)) {
    test(`${kind} synthesizes the reviewed manifests`, () => {
      const text = manifestsText(synthesizeIncident(incident(actions), settings));
      const file = path.join(GOLDEN, `${kind}.yaml`);
      if (process.env.UPDATE_GOLDEN) fs.writeFileSync(file, text);
      assert.equal(text, fs.readFileSync(file, 'utf8'));
    });
  }
});

describe('synthesized objects', () => {
  const all = incident(Object.values(KINDS).flat());
  const tree = synthesize({ settings, guardrails: DEFAULT_GUARDRAILS, incidents: [all] });
  const objects = [...tree.values()].flatMap((files) =>
    [...files].filter(([n]) => n.endsWith('.yaml') && n !== 'kustomization.yaml').flatMap(([, c]) => parseAllDocuments(c).map((d) => d.toJS())),
  );

  test('validate against the Kubernetes 1.28+ schemas (kubernetes-models)', () => {
    const models: Record<string, new (o: never) => { validate(): void }> = { NetworkPolicy, ConfigMap, Namespace, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding };
    for (const o of objects) {
      const Model = models[o.kind];
      assert.ok(Model, `no schema model for ${o.kind}`);
      new Model(o as never).validate();
    }
  });

  test('every object carries the managed-by and incident labels; namespaced ones a namespace', () => {
    for (const o of objects.filter((x) => x.metadata.labels?.['airlock.dev/incident'] !== undefined || x.kind === 'NetworkPolicy')) {
      assert.equal(o.metadata.labels['app.kubernetes.io/managed-by'], 'airlock');
      assert.equal(o.metadata.labels['airlock.dev/incident'], 'INC-7');
      assert.ok(o.metadata.namespace, `${o.kind}/${o.metadata.name} has a namespace`);
      assert.equal(o.metadata.annotations['airlock.dev/severity'], 'critical');
      assert.equal(o.metadata.annotations['airlock.dev/expires-at'], '2026-11-23T03:12:00Z');
    }
  });

  test('single-pod isolation selects the per-incident quarantine label, not the pod labels', () => {
    const np = objects.find((o) => o.metadata.name === 'airlock-inc-7-0-isolate-pod');
    assert.deepEqual(np.spec.podSelector, { matchLabels: { 'airlock.dev/quarantine': 'INC-7' } });
    assert.deepEqual(np.spec.policyTypes, ['Ingress', 'Egress']);
  });

  test('the cluster DNS profile allows kube-dns on UDP and TCP 53 only', () => {
    const np = objects.find((o) => o.metadata.name === 'airlock-inc-7-0-isolate-pod');
    assert.deepEqual(np.spec.egress, [
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
      },
    ]);
  });

  test('restrictEgress isolates egress only', () => {
    const np = objects.find((o) => o.metadata.name === 'airlock-inc-7-3-restrict-egress');
    assert.deepEqual(np.spec.policyTypes, ['Egress']);
    assert.equal(np.spec.ingress, undefined);
  });

  test('kubectl kustomize builds every folder, with no commonLabels or namespace override', () => {
    const dir = tempDir('airlock-dist-');
    writeDist(path.join(dir, 'dist'), tree);
    for (const folder of tree.keys()) {
      const kustomization = fs.readFileSync(path.join(dir, 'dist', folder, 'kustomization.yaml'), 'utf8');
      assert.doesNotMatch(kustomization, /commonLabels|^namespace:/m);
      const built = spawnSync('kubectl', ['kustomize', path.join(dir, 'dist', folder)], { encoding: 'utf8' });
      assert.equal(built.status, 0, built.stderr);
      assert.equal(parseAllDocuments(built.stdout).length, tree.get(folder)!.size - (tree.get(folder)!.has('RUNBOOK.md') ? 2 : 1));
    }
  });

  test('YAML 1.1 look-alikes such as "on" and "0755" stay strings', () => {
    const text = manifestsText(synthesizeIncident(incident([isolate({ namespace: 'a', selector: { feature: 'on', mode: '0755' } })]), settings));
    assert.match(text, /feature: "on"/);
    assert.match(text, /mode: "0755"/);
  });
});

describe('runbook', () => {
  test('gives the exact, quoted command that applies the quarantine label', () => {
    const files = synthesizeIncident(incident([isolate({ namespace: 'payments', pod: 'checkout-1' })]), settings);
    assert.match(files.get('RUNBOOK.md')!, /kubectl label pod --namespace payments checkout-1 airlock\.dev\/quarantine=INC-7\n/);
  });
  test('warns that DNS permits tunnelling when DNS stays open', () => {
    const files = synthesizeIncident(incident([isolate({ namespace: 'payments', pod: 'checkout-1' })]), settings);
    assert.match(files.get('RUNBOOK.md')!, /tunnelling/);
  });
});

describe('platform folder per admission mode', () => {
  const build = (admission: AdmissionSettings): Array<{ kind: string; spec?: Record<string, unknown> }> => {
    const tree = synthesize({ settings: resolveSettings({ admission }), guardrails: DEFAULT_GUARDRAILS, incidents: [] });
    const dir = tempDir('airlock-platform-');
    writeDist(path.join(dir, 'dist'), tree);
    const built = spawnSync('kubectl', ['kustomize', path.join(dir, 'dist', '_platform')], { encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    return parseAllDocuments(built.stdout).map((d) => d.toJS() as { kind: string; spec?: Record<string, unknown> });
  };

  test('ValidatingAdmissionPolicy mode writes the policy and its binding once', () => {
    assert.deepEqual(build({}).map((o) => o.kind).sort(), ['Namespace', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
  });

  test('webhook mode writes the server deployment with 2 replicas, a PodDisruptionBudget, a Service and the webhook configuration', () => {
    const objects = build({ mode: 'webhook', webhook: { image: 'ghcr.io/acme/airlock@sha256:' + 'd'.repeat(64) } });
    const kinds = objects.map((o) => o.kind);
    for (const kind of ['Deployment', 'PodDisruptionBudget', 'Service', 'ValidatingWebhookConfiguration']) assert.ok(kinds.includes(kind), `${kind} in ${kinds.join(', ')}`);
    assert.equal(objects.find((o) => o.kind === 'Deployment')!.spec!.replicas, 2);
  });

  test('Kyverno mode writes an enforcing ClusterPolicy', () => {
    const policy = build({ mode: 'kyverno' }).find((o) => o.kind === 'ClusterPolicy')!;
    assert.ok(JSON.stringify(policy.spec).includes('Enforce'));
  });
});

describe('dist folders', () => {
  test('with no incidents, the platform folder alone is listed', () => {
    const folders = distFolders({ settings, guardrails: DEFAULT_GUARDRAILS, incidents: [] });
    assert.deepEqual(folders.map((f) => f.path), [PLATFORM_DIR]);
  });
});
