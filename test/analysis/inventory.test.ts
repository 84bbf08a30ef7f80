import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../src/errors';
import { buildInventory, findPod, loadInventory, parseManifestText, withManifests, withPodLabels } from '../../src/analysis/inventory';
import { inventory, netpol, pod } from './helpers';
import { tempTree } from '../support/temp-dir';

describe('reading manifests', () => {
  test('directories are read recursively, .yaml, .yml and .json only', () => {
    const dir = tempTree('airlock-inv-', { 'a.yaml': pod('ns', 'a'), 'sub/b.yml': pod('ns', 'b'), 'sub/deeper/c.json': pod('ns', 'c'), 'notes.txt': pod('ns', 'd') });
    assert.deepEqual(loadInventory([dir]).pods.map((p) => p.name).sort(), ['a', 'b', 'c']);
  });

  test('multi-document YAML yields every document', () => {
    const read = parseManifestText('kind: Pod\napiVersion: v1\nmetadata: {name: a}\n---\nkind: Pod\napiVersion: v1\nmetadata: {name: b}\n', 'x.yaml');
    assert.equal(read.objects.length, 2);
  });

  test('List and typed *List wrappers (kubectl get -o yaml) are expanded; typed items may omit their kind', () => {
    const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [JSON.parse(pod('n', 'a')), { apiVersion: 'v1', kind: 'PodList', items: [{ metadata: { name: 'b', namespace: 'n' } }] }] });
    assert.deepEqual(inventory(text).pods.map((p) => p.name), ['a', 'b']);
  });

  test('documents that are not Kubernetes objects are skipped with a note', () => {
    const read = parseManifestText('[{"src": "a", "dst": "b"}]', 'out.json');
    assert.equal(read.objects.length, 0);
    assert.match(read.notes[0].message, /not a Kubernetes object/);
  });

  test('a YAML syntax error skips that document with a note naming file and line, keeping the others', () => {
    const read = parseManifestText(`${pod('n', 'a')}\n---\nkind: Pod\nmetadata: {name: [unclosed\n`, 'broken.yaml');
    assert.equal(read.objects.length, 1);
    assert.equal(read.notes[0].file, 'broken.yaml');
    assert.match(read.notes[0].message, /syntax error at line \d+/);
  });

  test('YAML is read with the YAML 1.2 core schema: no timestamps, no merge keys, a repeated key keeps its last value', () => {
    const text = ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: a', '  labels:', '    since: 2024-01-01', '    on: yes', '    tier: x', '    tier: y', '  base: &base {app: web}', '  merged: {<<: *base}'].join('\n');
    const [object] = parseManifestText(text, 'core.yaml').objects.map((o) => o.object) as { metadata: Record<string, unknown> }[];
    assert.deepEqual(object.metadata.labels, { since: '2024-01-01', on: 'yes', tier: 'y' });
    assert.deepEqual(object.metadata.merged, { '<<': { app: 'web' } });
  });

  test('tabs in the indentation of a flow sequence are read as kubectl reads them', () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: {app: web}\nspec:\n  containers:\n  - name: c\n    args:\n      [\n\t      "-x",\n      ]\n';
    const [object] = parseManifestText(text, 'tabs.yaml').objects.map((o) => o.object) as { spec: { containers: { args: string[] }[] } }[];
    assert.deepEqual(object.spec.containers[0].args, ['-x']);
  });

  test('aliases that expand far beyond the text (a "billion laughs") skip the document with a note, never a crash', () => {
    const levels = ['l0: &l0 [x, x, x, x, x, x, x, x, x]'];
    for (let k = 1; k < 6; k++) levels.push(`l${k}: &l${k} [${Array(9).fill(`*l${k - 1}`).join(', ')}]`);
    const read = parseManifestText(`apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n${levels.map((l) => `  ${l}`).join('\n')}\n---\n${pod('n', 'b')}\n`, 'bomb.yaml');
    assert.deepEqual(read.objects.map((o) => (o.object.metadata as { name: string }).name), ['b']);
    assert.match(read.notes[0].message, /skipped a document that cannot be read \(from line 1\): Excessive alias count/);
  });

  test('unsupported kinds are skipped with one note per file', () => {
    const inv = inventory(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd' } }));
    assert.deepEqual(inv.notes.map((n) => n.message), ['skipped objects of kinds the analysis does not use: ConfigMap (2)']);
  });

  test('an unreadable path is a ValidationError naming the path', () => {
    assert.throws(() => loadInventory(['/nonexistent/inventory']), (err: unknown) => err instanceof ValidationError && err.problems[0].file === '/nonexistent/inventory');
  });
});

describe('validation', () => {
  test('an invalid NetworkPolicy field is reported with file, field and what is accepted', () => {
    const bad = netpol('n', 'p', { podSelector: {}, ingress: [{ ports: [{ port: 80, protocol: 'ICMP' }] }] });
    assert.throws(
      () => inventory(bad),
      (err: unknown) => {
        const p = (err as ValidationError).problems[0];
        return p.file === 'test.yaml' && p.field === 'NetworkPolicy n/p.spec.ingress[0].ports[0].protocol' && p.hint === 'TCP, UDP or SCTP';
      },
    );
  });

  test('a peer combining ipBlock and a selector is rejected', () => {
    const bad = netpol('n', 'p', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] });
    assert.throws(() => inventory(bad), /combines ipBlock with a selector/);
  });

  test('an except outside its CIDR is rejected', () => {
    const bad = netpol('n', 'p', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['11.0.0.0/8'] } }] }] });
    assert.throws(() => inventory(bad), /not inside 10\.0\.0\.0\/8/);
  });

  test('a label key the API server would refuse (here __proto__) is reported, in pod labels and in selectors, never silently dropped', () => {
    const forged = parseManifestText(['apiVersion: v1', 'kind: Pod', 'metadata: { name: p, namespace: n, labels: { __proto__: x, app: web } }', 'spec: { containers: [{ name: c, image: i }] }'].join('\n'), 'forged.yaml');
    assert.throws(
      () => buildInventory(forged.objects),
      (err: unknown) => (err as ValidationError).problems.some((p) => p.file === 'forged.yaml' && /metadata\.labels\.__proto__$/.test(p.field) && /not a valid label key/.test(p.message)),
    );
    const selector = netpol('n', 'p', { podSelector: { matchLabels: { ['__proto__']: 'x' } } });
    assert.throws(() => inventory(selector), (err: unknown) => (err as ValidationError).problems.some((p) => /matchLabels\.__proto__$/.test(p.field)));
  });

  test('every problem of every object is reported at once', () => {
    const a = netpol('n', 'a', { podSelector: {}, policyTypes: ['Sideways'] });
    const b = netpol('n', 'b', { podSelector: { matchExpressions: [{ key: 'k', operator: 'In', values: [] }] } });
    assert.throws(() => inventory(a, b), (err: unknown) => (err as ValidationError).problems.length === 2);
  });

  test('two AdminNetworkPolicies with the same priority are rejected', () => {
    const anp = (name: string): string => JSON.stringify({ kind: 'AdminNetworkPolicy', apiVersion: 'policy.networking.k8s.io/v1alpha1', metadata: { name }, spec: { priority: 5, subject: { namespaces: {} } } });
    assert.throws(() => inventory(anp('a'), anp('b')), /same as AdminNetworkPolicy a/);
  });
});

describe('workloads', () => {
  test('a Deployment becomes one representative pod reported as ns/name[Deployment]', () => {
    const dep = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'n' }, spec: { replicas: 3, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 80, name: 'http' }] }] } } } });
    const [p] = inventory(dep).pods;
    assert.equal(p.name, 'web[Deployment]');
    assert.deepEqual(p.workload, { namespace: 'n', name: 'web', kind: 'Deployment' });
    assert.deepEqual(p.labels, { app: 'web' });
    assert.equal(p.representative, true);
  });

  test('a CronJob takes labels from its job template', () => {
    const cj = JSON.stringify({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: { metadata: { labels: { job: 'c' } } } } } } });
    assert.deepEqual(inventory(cj).pods[0].labels, { job: 'c' });
  });

  test('a pod owned by a ReplicaSet is reported under the ReplicaSet', () => {
    const owned = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-abc-1', namespace: 'n', ownerReferences: [{ kind: 'ReplicaSet', name: 'web-abc', controller: true }] } });
    assert.deepEqual(inventory(owned).pods[0].workload, { namespace: 'n', name: 'web-abc', kind: 'ReplicaSet' });
  });

  test('a pod keeps each container image, with the digest its status imageID reports', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    const running = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'n' },
      spec: { initContainers: [{ name: 'init', image: 'busybox' }], containers: [{ name: 'app', image: 'ghcr.io/acme/app:1.2' }, { name: 'side', image: 'envoy' }] },
      status: {
        initContainerStatuses: [{ name: 'init', imageID: 'sha256:0123' }],
        containerStatuses: [{ name: 'app', imageID: `docker-pullable://ghcr.io/acme/app@${digest}` }],
      },
    });
    assert.deepEqual(inventory(running).pods[0].images, [
      { container: 'app', image: 'ghcr.io/acme/app:1.2', digest },
      { container: 'side', image: 'envoy' },
      // A bare image id (no repository digest) names no pullable content: no digest.
      { container: 'init', image: 'busybox' },
    ]);
  });

  test('a workload manifest keeps its template images', () => {
    const dep = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'n' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } } } });
    assert.deepEqual(inventory(dep).pods[0].images, [{ container: 'c', image: 'nginx:1.25' }]);
  });

  test('objects without a namespace are in "default"', () => {
    assert.equal(inventory(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } })).pods[0].namespace, 'default');
  });
});

describe('derived inventories for plan', () => {
  const base = inventory(pod('n', 'a', { app: 'a' }), netpol('n', 'p', { podSelector: {}, ingress: [] }));

  test('withPodLabels replaces one pod labels and leaves the original untouched', () => {
    const after = withPodLabels(base, { namespace: 'n', name: 'a' }, { app: 'a', 'airlock.dev/quarantine': 'INC-1' });
    assert.equal(findPod(after, { namespace: 'n', name: 'a' })!.labels['airlock.dev/quarantine'], 'INC-1');
    assert.equal(findPod(base, { namespace: 'n', name: 'a' })!.labels['airlock.dev/quarantine'], undefined);
  });

  test('withPodLabels on an unknown pod is a ValidationError', () => {
    assert.throws(() => withPodLabels(base, { namespace: 'n', name: 'zzz' }, {}), ValidationError);
  });

  test('withManifests replaces an object with the same kind, namespace and name (a patched policy)', () => {
    const patched = JSON.parse(netpol('n', 'p', { podSelector: { matchLabels: { app: 'b' } }, ingress: [] }));
    const after = withManifests(base, [{ object: patched, source: 'dist/INC-1/patch.yaml' }]);
    assert.equal(after.networkPolicies.length, 1);
    assert.equal(after.networkPolicies[0].source, 'dist/INC-1/patch.yaml');
  });
});
