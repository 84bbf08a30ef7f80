/**
 * Webhook mode's deployment objects: each one against the Kubernetes API schemas (kubernetes-models), wired
 * to each other (selectors, ports, Secret, Service, CA), hardened as promised, accepted by kustomize, and
 * started with arguments the real CLI accepts.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { ValidatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import {
  WEBHOOK_PATH,
  webhookDeploymentObjects,
  webhookImageWarning,
  type Manifest,
  type WebhookDeploymentOptions,
} from '../../src/admission';
import { HEALTH_PATH, READY_PATH } from '../../src/webhook/server';
import { webhookCommand } from '../../src/cli/commands/webhook';
import { UsageError } from '../../src/errors';
import { tempDir } from '../support/temp-dir';

type Json = any;
const IMAGE = `ghcr.io/acme/airlock@sha256:${'f'.repeat(64)}`;
const objects = webhookDeploymentObjects({ image: IMAGE });
const find = (list: Manifest[], kind: string): Json => list.find((o) => o.kind === kind);
const deployment: Json = find(objects, 'Deployment');
const pod: Json = deployment.spec.template.spec;
const container = (name: string): Json => pod.containers.find((c: Json) => c.name === name);

describe('webhook deployment objects', () => {
  test('are the expected kinds, in apply order', () => {
    assert.deepEqual(objects.map((o) => o.kind), [
      'Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'Issuer', 'Certificate', 'Deployment', 'PodDisruptionBudget', 'Service', 'ValidatingWebhookConfiguration',
    ]);
  });
  test('every Kubernetes object validates against its API schema', () => {
    const models: Record<string, new (o: Json) => { validate(): void }> = {
      Namespace, ServiceAccount, Role, RoleBinding, Deployment, PodDisruptionBudget, Service, ValidatingWebhookConfiguration,
    };
    for (const o of objects) {
      const Model = models[o.kind];
      if (o.apiVersion.startsWith('cert-manager.io/')) continue; // no cert-manager CRD in ../shared/crds; checked below
      assert.ok(Model, `no schema for ${o.kind}`);
      new Model(o).validate();
    }
  });
  test('every object carries the managed-by label and all namespaced ones sit in airlock-system', () => {
    for (const o of objects) {
      assert.equal(o.metadata.labels?.['app.kubernetes.io/managed-by'], 'airlock', o.kind);
      if (!['Namespace', 'ValidatingWebhookConfiguration'].includes(o.kind)) assert.equal(o.metadata.namespace, 'airlock-system', o.kind);
    }
  });
  test('the namespace enforces Pod Security "restricted"', () => {
    assert.equal(find(objects, 'Namespace').metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
  });
  test('the Deployment runs 2 replicas of serve plus the sync sidecar, never dropping below 2 ready during a rollout', () => {
    assert.equal(deployment.spec.replicas, 2);
    assert.deepEqual(deployment.spec.strategy.rollingUpdate, { maxUnavailable: 0, maxSurge: 1 });
    assert.deepEqual(pod.containers.map((c: Json) => [c.name, c.image, c.args.slice(0, 2)]), [
      ['webhook', IMAGE, ['webhook', 'serve']],
      ['blocklist-sync', IMAGE, ['webhook', 'sync-blocklists']],
    ]);
  });
  test('Pods and containers are hardened (non-root, read-only root, no capabilities, RuntimeDefault seccomp)', () => {
    assert.deepEqual(pod.securityContext.seccompProfile, { type: 'RuntimeDefault' });
    assert.equal(pod.securityContext.runAsNonRoot, true);
    for (const c of pod.containers) {
      assert.deepEqual(c.securityContext, {
        allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
      }, c.name);
      assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory, c.name);
      assert.equal(c.resources.limits.cpu, undefined, `${c.name}: no CPU limit (throttling is admission latency)`);
      assert.ok(c.volumeMounts.some((m: Json) => m.mountPath === '/tmp'), `${c.name} has a writable /tmp`);
    }
  });
  test('probes hit the server\'s own paths over HTTPS on the named port', () => {
    const server = container('webhook');
    assert.deepEqual(server.ports, [{ name: 'https', containerPort: 8443, protocol: 'TCP' }]);
    assert.deepEqual(server.livenessProbe.httpGet, { path: HEALTH_PATH, port: 'https', scheme: 'HTTPS' });
    assert.deepEqual(server.readinessProbe.httpGet, { path: READY_PATH, port: 'https', scheme: 'HTTPS' });
  });
  test('the TLS Secret cert-manager writes is mounted read-only where serve reads it', () => {
    const server = container('webhook');
    const cert: Json = find(objects, 'Certificate');
    const tls = pod.volumes.find((v: Json) => v.name === 'tls');
    assert.equal(tls.secret.secretName, cert.spec.secretName);
    const mount = server.volumeMounts.find((m: Json) => m.name === 'tls');
    assert.equal(mount.readOnly, true);
    assert.equal(server.args[server.args.indexOf('--tls-cert') + 1], `${mount.mountPath}/tls.crt`);
    assert.equal(server.args[server.args.indexOf('--tls-key') + 1], `${mount.mountPath}/tls.key`);
  });
  test('the blocklists reach serve through a shared in-memory volume the sidecar writes and serve only reads', () => {
    const server = container('webhook');
    const sync = container('blocklist-sync');
    assert.deepEqual(pod.volumes.find((v: Json) => v.name === 'blocklists').emptyDir, { medium: 'Memory', sizeLimit: '16Mi' });
    const serverMount = server.volumeMounts.find((m: Json) => m.name === 'blocklists');
    const syncMount = sync.volumeMounts.find((m: Json) => m.name === 'blocklists');
    assert.equal(serverMount.readOnly, true);
    assert.equal(syncMount.readOnly, undefined);
    assert.equal(server.args[server.args.indexOf('--blocklist') + 1], serverMount.mountPath);
    assert.equal(sync.args[sync.args.indexOf('--dir') + 1], syncMount.mountPath);
    assert.ok(server.args.includes('--require-snapshot'), 'not ready before the first snapshot');
  });
  test('only the sidecar holds an API token; the Role allows list and watch of ConfigMaps, nothing else', () => {
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(find(objects, 'ServiceAccount').automountServiceAccountToken, false);
    assert.equal(container('webhook').volumeMounts.some((m: Json) => m.name === 'kube-api-access'), false);
    const tokenMount = container('blocklist-sync').volumeMounts.find((m: Json) => m.name === 'kube-api-access');
    assert.deepEqual(tokenMount, { name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true });
    assert.deepEqual(find(objects, 'Role').rules, [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list', 'watch'] }]);
    const binding: Json = find(objects, 'RoleBinding');
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: find(objects, 'Role').metadata.name });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: pod.serviceAccountName, namespace: 'airlock-system' }]);
    const sync = container('blocklist-sync');
    assert.equal(sync.args[sync.args.indexOf('--selector') + 1], 'airlock.dev/blocklist=images');
  });
  test('replicas spread over nodes (hard) and zones (soft)', () => {
    assert.deepEqual(pod.topologySpreadConstraints.map((t: Json) => [t.topologyKey, t.whenUnsatisfiable, t.maxSkew]), [
      ['kubernetes.io/hostname', 'DoNotSchedule', 1],
      ['topology.kubernetes.io/zone', 'ScheduleAnyway', 1],
    ]);
    for (const t of pod.topologySpreadConstraints) assert.deepEqual(t.labelSelector.matchLabels, deployment.spec.selector.matchLabels);
  });
  test('the PodDisruptionBudget keeps one replica and selects the Deployment\'s Pods', () => {
    const pdb: Json = find(objects, 'PodDisruptionBudget');
    assert.equal(pdb.spec.minAvailable, 1);
    assert.deepEqual(pdb.spec.selector, deployment.spec.selector);
  });
  test('selectors match the Pod template labels', () => {
    const labels = deployment.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(deployment.spec.selector.matchLabels)) assert.equal(labels[k], v);
    for (const [k, v] of Object.entries(find(objects, 'Service').spec.selector)) assert.equal(labels[k], v);
  });
  test('the Service maps 443 to the named container port, and the webhook configuration calls it on /validate', () => {
    const service: Json = find(objects, 'Service');
    assert.deepEqual(service.spec.ports, [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }]);
    const vwc: Json = find(objects, 'ValidatingWebhookConfiguration');
    assert.deepEqual(vwc.webhooks[0].clientConfig.service, { namespace: 'airlock-system', name: service.metadata.name, path: WEBHOOK_PATH, port: 443 });
  });
  test('with cert-manager, the Certificate names the Service and the configuration takes its CA by annotation', () => {
    const cert: Json = find(objects, 'Certificate');
    const service: Json = find(objects, 'Service');
    assert.deepEqual(cert.spec.dnsNames, [`${service.metadata.name}.airlock-system.svc`, `${service.metadata.name}.airlock-system.svc.cluster.local`]);
    assert.deepEqual(cert.spec.issuerRef, { name: find(objects, 'Issuer').metadata.name, kind: 'Issuer', group: 'cert-manager.io' });
    assert.deepEqual(find(objects, 'Issuer').spec, { selfSigned: {} });
    const vwc: Json = find(objects, 'ValidatingWebhookConfiguration');
    assert.equal(vwc.metadata.annotations['cert-manager.io/inject-ca-from'], `airlock-system/${cert.metadata.name}`);
    assert.equal(vwc.webhooks[0].clientConfig.caBundle, undefined);
  });
  test('an existing issuer is referenced, not created', () => {
    const list = webhookDeploymentObjects({ image: IMAGE, tls: { certManager: { issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer' } } } });
    assert.equal(find(list, 'Issuer'), undefined);
    assert.deepEqual(find(list, 'Certificate').spec.issuerRef, { name: 'corp-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' });
  });
  test('a provided Secret and CA bundle replace cert-manager', () => {
    const caBundle = Buffer.from('-----BEGIN CERTIFICATE-----').toString('base64');
    const list = webhookDeploymentObjects({ image: IMAGE, tls: { provided: { secretName: 'my-tls', caBundle } } });
    assert.equal(list.some((o) => o.apiVersion.startsWith('cert-manager.io/')), false);
    const vwc: Json = find(list, 'ValidatingWebhookConfiguration');
    new ValidatingWebhookConfiguration(vwc).validate();
    assert.equal(vwc.webhooks[0].clientConfig.caBundle, caBundle);
    assert.equal(vwc.metadata.annotations, undefined);
    assert.equal(find(list, 'Deployment').spec.template.spec.volumes.find((v: Json) => v.name === 'tls').secret.secretName, 'my-tls');
  });
  test('the configuration fails closed by default, with a short timeout, protected namespaces excluded and kubectl debug covered', () => {
    const hook: Json = find(objects, 'ValidatingWebhookConfiguration').webhooks[0];
    assert.equal(hook.failurePolicy, 'Fail');
    assert.equal(hook.timeoutSeconds, 5);
    assert.deepEqual(hook.namespaceSelector.matchExpressions[0].values, ['airlock-system', 'argocd', 'falco', 'flux-system', 'kube-system']);
    assert.ok(hook.rules.some((r: Json) => r.resources.includes('pods/ephemeralcontainers') && r.operations.includes('UPDATE')));
  });
  test('failurePolicy, timeout, protected namespaces, namespace and resources are settings', () => {
    const options: WebhookDeploymentOptions = {
      image: IMAGE, failurePolicy: 'Ignore', timeoutSeconds: 3, protectedNamespaces: ['kube-system', 'cilium'], namespace: 'sec', createNamespace: false,
      replicas: 3, priorityClassName: 'system-cluster-critical', resources: { requests: { cpu: '250m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    };
    const list = webhookDeploymentObjects(options);
    assert.equal(find(list, 'Namespace'), undefined);
    const hook: Json = find(list, 'ValidatingWebhookConfiguration').webhooks[0];
    assert.equal(hook.failurePolicy, 'Ignore');
    assert.equal(hook.timeoutSeconds, 3);
    assert.deepEqual(hook.namespaceSelector.matchExpressions[0].values, ['cilium', 'kube-system', 'sec']);
    const d: Json = find(list, 'Deployment');
    new Deployment(d).validate();
    assert.equal(d.metadata.namespace, 'sec');
    assert.equal(d.spec.replicas, 3);
    assert.equal(d.spec.template.spec.priorityClassName, 'system-cluster-critical');
    assert.deepEqual(d.spec.template.spec.containers[0].resources, options.resources);
    assert.equal(find(list, 'Certificate').spec.dnsNames[0], 'airlock-webhook.sec.svc');
    const sync = d.spec.template.spec.containers[1];
    assert.equal(sync.args[sync.args.indexOf('--namespace') + 1], 'sec');
  });
  test('refuses what would break: one replica, an invalid image, a timeout out of range', () => {
    assert.throws(() => webhookDeploymentObjects({ image: IMAGE, replicas: 1 }), /at least 2/);
    assert.throws(() => webhookDeploymentObjects({ image: 'Not An Image' }), /not an image reference/);
    assert.throws(() => webhookDeploymentObjects({ image: IMAGE, timeoutSeconds: 0 }), /1 to 30/);
  });
  test('warns when the image is not pinned by digest', () => {
    assert.equal(webhookImageWarning(IMAGE), undefined);
    assert.match(webhookImageWarning('ghcr.io/acme/airlock:1.2')!, /not pinned by digest.*ghcr\.io\/acme\/airlock@sha256:/);
  });
  test('output is deterministic', () => {
    assert.equal(JSON.stringify(webhookDeploymentObjects({ image: IMAGE })), JSON.stringify(objects));
  });
  test('kubectl kustomize accepts the objects unchanged', () => {
    const dir = tempDir('airlock-webhook-kustomize-');
    try {
      fs.writeFileSync(path.join(dir, 'webhook.yaml'), objects.map((o) => stringify(o)).join('---\n'));
      fs.writeFileSync(path.join(dir, 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - webhook.yaml\n');
      const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
      const built = parseAllDocuments(out).map((d) => d.toJS() as Manifest);
      assert.equal(built.length, objects.length);
      assert.deepEqual(find(built, 'Deployment'), deployment);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the Deployment starts the CLI with arguments it accepts', () => {
  // Parsed by the real command: an unknown flag would fail in commander before the action runs; the action
  // then stops at the first file it cannot find here, which proves every flag was accepted.
  const run = (args: string[]) => {
    assert.equal(args[0], 'webhook');
    const command = webhookCommand();
    for (const c of [command, ...command.commands]) c.exitOverride().configureOutput({ writeErr: () => {} });
    return command.parseAsync(args.slice(1), { from: 'user' });
  };
  test('serve', async () => {
    await assert.rejects(run(container('webhook').args), (e: Error) => e instanceof UsageError && /^--tls-cert \/etc\/airlock\/tls\/tls\.crt cannot be read/.test(e.message));
  });
  test('sync-blocklists', async () => {
    await assert.rejects(run(container('blocklist-sync').args), (e: Error) => e instanceof UsageError && /--dir \/var\/run\/airlock\/blocklists is not a directory/.test(e.message));
  });
});
