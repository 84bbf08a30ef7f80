/**
 * The objects of every admission mode, checked against the Kubernetes API schemas (kubernetes-models) and
 * the upstream Kyverno CRD (ajv), plus the properties the design asks of them.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fs from 'node:fs';
import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding, ValidatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1';
import { ConfigMap, Namespace } from 'kubernetes-models/v1';
import {
  admissionPlatformObjects,
  blockImagesCel,
  blocklistConfigMap,
  kyvernoClusterPolicy,
  validatingWebhookConfiguration,
  type Manifest,
} from '../../src/admission';
import { INCIDENTS } from './admission-cases';

type Json = any;
const byKind = (objects: Manifest[], kind: string): Json => objects.find((o) => o.kind === kind);

describe('ValidatingAdmissionPolicy mode', () => {
  const objects = admissionPlatformObjects();
  test('policy, binding and param namespace are valid Kubernetes objects', () => {
    new ValidatingAdmissionPolicy(byKind(objects, 'ValidatingAdmissionPolicy')).validate();
    new ValidatingAdmissionPolicyBinding(byKind(objects, 'ValidatingAdmissionPolicyBinding')).validate();
    new Namespace(byKind(objects, 'Namespace')).validate();
  });
  test('v1beta1 differs from v1 only in apiVersion', () => {
    const beta = admissionPlatformObjects({ apiVersion: 'v1beta1', createParamNamespace: false });
    const v1 = admissionPlatformObjects({ createParamNamespace: false });
    assert.deepEqual(beta.map((o) => o.apiVersion), ['admissionregistration.k8s.io/v1beta1', 'admissionregistration.k8s.io/v1beta1']);
    assert.deepEqual(beta.map((o) => ({ ...o, apiVersion: 'x' })), v1.map((o) => ({ ...o, apiVersion: 'x' })));
  });
  test('the binding denies by default and selects blocklists in the param namespace, allowing when none exists', () => {
    const binding = byKind(objects, 'ValidatingAdmissionPolicyBinding');
    assert.deepEqual(binding.spec.validationActions, ['Deny']);
    assert.deepEqual(binding.spec.paramRef, {
      namespace: 'airlock-system',
      selector: { matchLabels: { 'airlock.dev/blocklist': 'images' } },
      parameterNotFoundAction: 'Allow',
    });
  });
  test('validation actions Warn+Audit are passed through', () => {
    const binding = byKind(admissionPlatformObjects({ validationActions: ['Warn', 'Audit'] }), 'ValidatingAdmissionPolicyBinding');
    assert.deepEqual(binding.spec.validationActions, ['Warn', 'Audit']);
  });
  test('protected namespaces and the param namespace are excluded', () => {
    const binding = byKind(admissionPlatformObjects({ protectedNamespaces: ['kube-system', 'cilium'], paramNamespace: 'sec' }), 'ValidatingAdmissionPolicyBinding');
    assert.deepEqual(binding.spec.matchResources.namespaceSelector.matchExpressions, [
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['cilium', 'kube-system', 'sec'] },
    ]);
    assert.equal(binding.spec.paramRef.namespace, 'sec');
  });
  test('the policy matches every kind that can start an image, including kubectl debug', () => {
    const rules: Json[] = byKind(objects, 'ValidatingAdmissionPolicy').spec.matchConstraints.resourceRules;
    const resources = rules.flatMap((r) => r.resources).sort();
    assert.deepEqual(resources, ['cronjobs', 'daemonsets', 'deployments', 'jobs', 'pods', 'pods/ephemeralcontainers', 'replicasets', 'replicationcontrollers', 'statefulsets']);
  });
  test('the param namespace object can be left out', () => {
    assert.equal(byKind(admissionPlatformObjects({ createParamNamespace: false }), 'Namespace'), undefined);
  });
  test('output is deterministic', () => {
    assert.equal(JSON.stringify(admissionPlatformObjects()), JSON.stringify(admissionPlatformObjects()));
  });
});

describe('blocklist ConfigMap', () => {
  const cm: Json = blocklistConfigMap({ incident: INCIDENTS[1]!, annotations: { 'airlock.dev/title': 'Miner' } });
  test('is a valid ConfigMap in the param namespace', () => {
    new ConfigMap(cm).validate();
    assert.equal(cm.metadata.namespace, 'airlock-system');
    assert.equal(cm.metadata.name, 'airlock-blocklist-inc-2');
  });
  test('carries the managed-by, incident and selector labels and the given annotations', () => {
    assert.deepEqual(cm.metadata.labels, { 'app.kubernetes.io/managed-by': 'airlock', 'airlock.dev/incident': 'INC-2', 'airlock.dev/blocklist': 'images' });
    assert.deepEqual(cm.metadata.annotations, { 'airlock.dev/title': 'Miner' });
  });
  test('groups normalised entries by strength, sorted, one per line, with every key present', () => {
    assert.deepEqual(cm.data, {
      digests: '',
      incident: 'INC-2',
      reason: 'cryptominer; typosquat',
      repositories: 'docker.io/library/busybox',
      tags: 'docker.io/library/alpine:3.19\ndocker.io/library/redis:latest',
    });
  });
  test('keeps only the digest of a repo:tag@digest entry and de-duplicates equivalent spellings', () => {
    const d = 'd'.repeat(64);
    const m: Json = blocklistConfigMap({
      incident: { id: 'INC-9', slug: 'inc-9', actions: [{ kind: 'blockImages', reason: 'r', images: [`nginx:1@sha256:${d}`, `docker.io/library/nginx@sha256:${d}`, 'nginx:1', 'docker.io/nginx:1'] }] },
    });
    assert.equal(m.data.digests, `sha256:${d}`);
    assert.equal(m.data.tags, 'docker.io/library/nginx:1');
  });
  test('is not produced for an incident without blockImages', () => {
    assert.equal(blocklistConfigMap({ incident: { id: 'INC-3', slug: 'inc-3', actions: [{ kind: 'quarantineNamespace', namespace: 'shop' }] } }), undefined);
  });
  test('refuses an invalid image naming the file and field', () => {
    assert.throws(
      () => blocklistConfigMap({ incident: { id: 'INC-4', slug: 'inc-4', file: 'incidents/INC-4.ts', actions: [{ kind: 'quarantineNamespace', namespace: 'x' }, { kind: 'blockImages', reason: 'r', images: ['ok', 'Bad/Name!'] }] } }),
      /incidents\/INC-4\.ts actions\[1\]\.images\[1\]:/,
    );
  });
});

describe('webhook mode configuration', () => {
  test('is a valid ValidatingWebhookConfiguration that fails closed by default', () => {
    const vwc: Json = validatingWebhookConfiguration({ ca: { caBundle: Buffer.from('pem').toString('base64') } });
    new ValidatingWebhookConfiguration(vwc).validate();
    assert.equal(vwc.webhooks[0].failurePolicy, 'Fail');
    assert.deepEqual(vwc.webhooks[0].admissionReviewVersions, ['v1']);
    assert.equal(vwc.webhooks[0].sideEffects, 'None');
  });
  test('fails open when asked and takes its CA from cert-manager', () => {
    const vwc: Json = validatingWebhookConfiguration({ failurePolicy: 'Ignore', ca: { certManagerCertificate: 'airlock-system/airlock-webhook' } });
    new ValidatingWebhookConfiguration(vwc).validate();
    assert.equal(vwc.webhooks[0].failurePolicy, 'Ignore');
    assert.equal(vwc.metadata.annotations['cert-manager.io/inject-ca-from'], 'airlock-system/airlock-webhook');
    assert.equal(vwc.webhooks[0].clientConfig.caBundle, undefined);
  });
  test('matches the same requests as the policy', () => {
    const vap = byKind(admissionPlatformObjects(), 'ValidatingAdmissionPolicy');
    const vwc: Json = validatingWebhookConfiguration();
    assert.deepEqual(vwc.webhooks[0].rules, vap.spec.matchConstraints.resourceRules);
  });
  test('refuses a timeout the API server would reject', () => {
    assert.throws(() => validatingWebhookConfiguration({ timeoutSeconds: 31 }), /1 to 30/);
  });
});

describe('Kyverno mode', () => {
  const crdPath = path.resolve(__dirname, '../../../shared/crds/kyverno/kyverno.io_clusterpolicies.yaml');
  const crd: Json = parseYaml(fs.readFileSync(crdPath, 'utf8'));
  const version = crd.spec.versions.find((v: Json) => v.name === 'v1');
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  const validate = ajv.compile(version.schema.openAPIV3Schema);
  const policy: Json = kyvernoClusterPolicy();

  test('the ClusterPolicy validates against the upstream kyverno.io/v1 CRD', () => {
    assert.equal(version.served, true);
    assert.equal(`${crd.spec.group}/${version.name}`, policy.apiVersion);
    assert.equal(crd.spec.names.kind, policy.kind);
    assert.ok(validate(policy), ajv.errorsText(validate.errors));
  });
  test('enforces by default and audits when asked', () => {
    assert.equal(policy.spec.rules[0].validate.failureAction, 'Enforce');
    assert.equal(kyvernoClusterPolicy({ failureAction: 'Audit' }).spec && (kyvernoClusterPolicy({ failureAction: 'Audit' }) as Json).spec.rules[0].validate.failureAction, 'Audit');
  });
  test('runs the same CEL over the same blocklist ConfigMaps as the policy', () => {
    const cel = blockImagesCel();
    const rule = policy.spec.rules[0].validate.cel;
    assert.deepEqual(rule.variables, cel.variables);
    assert.deepEqual(rule.expressions, cel.validations);
    const binding = byKind(admissionPlatformObjects(), 'ValidatingAdmissionPolicyBinding');
    assert.deepEqual(rule.paramRef, binding.spec.paramRef);
  });
  test('excludes protected namespaces and leaves autogen off', () => {
    assert.deepEqual(policy.spec.rules[0].exclude.any[0].resources.namespaces, ['airlock-system', 'argocd', 'falco', 'flux-system', 'kube-system']);
    assert.equal(policy.metadata.annotations['pod-policies.kyverno.io/autogen-controllers'], 'none');
  });
});
