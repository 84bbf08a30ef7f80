/**
 * Flux bootstrap: the objects validate against Flux's CRDs, and each Kustomization's path, built the way
 * kustomize-controller builds it (a generated root kustomization.yaml listing every folder that has its own,
 * then kustomize) over a real synthesized dist/, yields exactly the folders' objects, loses a lifted incident's
 * objects (so prune deletes them) and keeps clusters apart.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fluxBootstrap, fluxBundles, fluxReceiverPath, normalizeSource, type KubeObject } from '../../src/gitops';
import { CAPTURE_DIR } from '../../src/synth/synthesize';
import { resolveSettings } from '../../src/settings/settings';
import { evaluate, toCel } from '../admission/cel-evaluator';
import { fluxBuild, kustomizeBuild, objectKey, type K8sObject } from './controllers';
import { EVIDENCE, gitopsCrdValidator, incidents, incidentsWithCapture, resynth, synthesizedRepo, WEBHOOK_ADMISSION, writeIncidents } from './fixtures';

const source = normalizeSource({ repoUrl: 'git@github.com:acme/airlock.git', branch: 'main', path: 'dist' });
const MANY = { clusters: [{ name: 'prod-eu', backend: 'cilium' as const }, { name: 'prod-us', backend: 'calico' as const, admission: { mode: 'kyverno' as const } }] };

type Kustomization = KubeObject & { spec: { path: string; prune: boolean; wait: boolean; interval: string; timeout: string; sourceRef: { kind: string; name: string }; kubeConfig?: { secretRef: { name: string } }; healthCheckExprs?: { kind: string }[] } & Record<string, unknown> };

const keys = (objects: readonly K8sObject[]): string[] => objects.map(objectKey).sort();
const folderObjects = (dir: string): K8sObject[] => fs.readdirSync(dir).sort().flatMap((f) => kustomizeBuild(path.join(dir, f)));
const kustomizations = (objects: readonly KubeObject[]): Kustomization[] => objects.filter((o): o is Kustomization => o.kind === 'Kustomization');

/** The CEL rule of the Kustomization CRD that JSON schema cannot check: a kubeConfig names exactly one source. */
function kubeConfigRule(k: Kustomization): string[] {
  const kc = k.spec.kubeConfig as Record<string, unknown> | undefined;
  return kc && !('configMapRef' in kc) && !('secretRef' in kc) ? ['exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified'] : [];
}

describe('flux bootstrap', () => {
  test('every object validates against the Flux CRDs: single cluster, hub, per-cluster, webhook and kyverno health checks, every Receiver type', () => {
    const validator = gitopsCrdValidator();
    const variants = [
      fluxBundles({ source, settings: resolveSettings({}) }),
      fluxBundles({ source, settings: resolveSettings({ admission: WEBHOOK_ADMISSION }), gitSecret: 'airlock-git', receiverType: 'generic-hmac' }),
      fluxBundles({ source, settings: resolveSettings(MANY) }),
      fluxBundles({ source, settings: resolveSettings(MANY), topology: 'per-cluster', receiverType: 'generic' }),
      fluxBundles({ source, settings: resolveSettings({ ...MANY, ...EVIDENCE }) }),
      fluxBundles({ source, settings: resolveSettings({ ...MANY, ...EVIDENCE }), topology: 'per-cluster' }),
    ];
    for (const object of variants.flat().flatMap((b) => b.objects)) {
      assert.deepEqual([...validator.problems(object as never), ...(object.kind === 'Kustomization' ? kubeConfigRule(object as Kustomization) : [])], [], `${object.kind} ${object.metadata.name}`);
    }
    // The validator does catch a misspelled field.
    const [repo] = variants[0][0].objects;
    assert.notDeepEqual(validator.problems({ ...repo, spec: { ...(repo.spec as object), intervall: '1m' } } as never), []);
  });

  test('GitRepository, Kustomization and Receiver: scp-like URL made ssh://, only dist/ in the artifact, prune + wait + timeout, no namespace or label rewriting, Receiver on the GitRepository', () => {
    const [bundle] = fluxBundles({ source, settings: resolveSettings({ admission: WEBHOOK_ADMISSION }) });
    const [repo, ks, receiver] = bundle.objects as [KubeObject & { spec: Record<string, unknown> }, Kustomization, KubeObject & { spec: Record<string, unknown> }];
    assert.equal(repo.spec.url, 'ssh://git@github.com/acme/airlock.git');
    assert.deepEqual(repo.spec.ref, { branch: 'main' });
    assert.match(repo.spec.ignore as string, /^\/\*$/m);
    assert.match(repo.spec.ignore as string, /^!\/dist\/$/m);
    assert.equal(ks.spec.path, './dist');
    assert.equal(ks.spec.prune, true);
    assert.equal(ks.spec.wait, true);
    assert.ok(ks.spec.interval && ks.spec.timeout && ks.spec.retryInterval);
    for (const rewriting of ['targetNamespace', 'namePrefix', 'nameSuffix', 'commonMetadata', 'patches', 'images', 'components']) assert.equal(ks.spec[rewriting], undefined, rewriting);
    assert.deepEqual(ks.spec.healthCheckExprs?.map((e) => e.kind), ['Certificate', 'Issuer'], 'webhook mode: cert-manager objects report readiness');
    assert.deepEqual(receiver.spec, { type: 'github', events: ['ping', 'push'], secretRef: { name: 'airlock-webhook-token' }, resources: [{ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', name: 'airlock' }] });
  });

  test('over a real dist/, Flux generates a root listing exactly the folders, and the build is exactly their objects (RUNBOOK.md never read)', () => {
    const { root, settings } = synthesizedRepo({});
    const [ks] = kustomizations(fluxBundles({ source, settings })[0].objects);
    const build = fluxBuild(root, ks.spec.path);
    const folders = fs.readdirSync(path.join(root, 'dist')).sort();
    assert.deepEqual(build.generated?.resources, folders.map((f) => `./${f}`));
    assert.deepEqual(keys(build.objects), keys(folderObjects(path.join(root, 'dist'))));
    assert.ok(!build.objects.some((o) => o.apiVersion.startsWith('kustomize.config.k8s.io')));
  });

  test('lifting an incident removes exactly its objects from the build, so prune deletes them', () => {
    const { root, settings } = synthesizedRepo({});
    const [ks] = kustomizations(fluxBundles({ source, settings })[0].objects);
    const before = fluxBuild(root, ks.spec.path).objects;
    writeIncidents(root, incidents({ lifted: ['INC-2'] }));
    resynth(root);
    const after = fluxBuild(root, ks.spec.path).objects;
    const pruned = before.filter((o) => !after.some((a) => objectKey(a) === objectKey(o)));
    assert.ok(pruned.length >= 2);
    assert.deepEqual(keys(pruned), keys(before.filter((o) => o.metadata.labels?.['airlock.dev/incident'] === 'INC-2')));
    assert.deepEqual(after.filter((o) => !before.some((b) => objectKey(b) === objectKey(o))), [], 'nothing new appears');
  });

  test('many clusters, hub: one Kustomization per cluster over dist/<cluster>/ through its kubeconfig, each building only its folder', () => {
    const { root, settings } = synthesizedRepo(MANY, incidents({ clusters: { 'INC-2': ['prod-us'] } }));
    const bundles = fluxBundles({ source, settings });
    assert.equal(bundles.length, 1);
    const ks = kustomizations(bundles[0].objects);
    assert.deepEqual(ks.map((k) => [k.metadata.name, k.spec.path, k.spec.kubeConfig?.secretRef.name]), [
      ['airlock-prod-eu', './dist/prod-eu', 'airlock-prod-eu-kubeconfig'],
      ['airlock-prod-us', './dist/prod-us', 'airlock-prod-us-kubeconfig'],
    ]);
    for (const k of ks) {
      const dir = path.join(root, k.spec.path);
      const build = fluxBuild(root, k.spec.path);
      assert.deepEqual(build.generated?.resources, fs.readdirSync(dir).sort().map((f) => `./${f}`));
      assert.deepEqual(keys(build.objects), keys(folderObjects(dir)));
    }
    const incidentsOf = (k: Kustomization): string[] => [...new Set(fluxBuild(root, k.spec.path).objects.map((o) => o.metadata.labels?.['airlock.dev/incident']).filter((x): x is string => !!x))].sort();
    assert.deepEqual(ks.map(incidentsOf), [['INC-1'], ['INC-1', 'INC-2']]);
    assert.deepEqual(ks.map((k) => k.spec.healthCheckExprs?.map((e) => e.kind)), [['ClusterPolicy'], ['ClusterPolicy']]);
  });

  test('many clusters, per-cluster Flux: one complete bundle per cluster, without kubeconfig, under <cluster>/', () => {
    const settings = resolveSettings(MANY);
    const bundle = fluxBootstrap({ source, settings, topology: 'per-cluster' });
    assert.deepEqual(bundle.files.map((f) => f.path), [
      'prod-eu/gitrepository-airlock.yaml', 'prod-eu/kustomization-airlock.yaml', 'prod-eu/receiver-airlock.yaml',
      'prod-us/gitrepository-airlock.yaml', 'prod-us/kustomization-airlock.yaml', 'prod-us/receiver-airlock.yaml',
    ]);
    const ks = kustomizations(bundle.files.flatMap((f) => f.objects));
    assert.deepEqual(ks.map((k) => [k.spec.path, k.spec.kubeConfig]), [['./dist/prod-eu', undefined], ['./dist/prod-us', undefined]]);
    assert.match(bundle.steps.join('\n'), /kubectl --context <context-of-prod-us> apply -f <out>\/prod-us\//);
  });

  test('health expressions, evaluated with a real CEL implementation on the object: ready only on Ready=True; Ready=False or no conditions yet is still in progress, not failed', () => {
    const [ks] = kustomizations(fluxBundles({ source, settings: resolveSettings({ admission: WEBHOOK_ADMISSION }) })[0].objects);
    const exprs = ks.spec.healthCheckExprs as unknown as { kind: string; current: string; failed?: string }[];
    assert.ok(exprs.length > 0 && exprs.every((e) => e.failed === undefined));
    const cert = (status: unknown): Record<string, ReturnType<typeof toCel>> => ({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: toCel({ name: 'airlock-webhook' }), ...(status === undefined ? {} : { status: toCel(status) }) });
    for (const { current } of exprs) {
      assert.equal(evaluate(current, cert({ conditions: [{ type: 'Issuing', status: 'True' }, { type: 'Ready', status: 'True' }] })), true);
      assert.equal(evaluate(current, cert({ conditions: [{ type: 'Ready', status: 'False', reason: 'DoesNotExist' }] })), false);
      assert.equal(evaluate(current, cert({ conditions: [] })), false);
      assert.throws(() => evaluate(current, cert(undefined)), /CEL error|undeclared|status/, 'no status yet: Flux keeps waiting (documented behaviour of an erroring expression)');
    }
  });

  test("the Receiver's webhook path is /hook/ + sha256(token + name + namespace)", () => {
    const expected = createHash('sha256').update('s3cret' + 'airlock' + 'flux-system').digest('hex');
    assert.equal(fluxReceiverPath('s3cret', 'airlock', 'flux-system'), `/hook/${expected}`);
  });
});

describe('flux: evidence before containment', () => {
  const CAPTURE_KINDS = ['ConfigMap', 'Job', 'Role', 'RoleBinding', 'ServiceAccount'];
  const isCapture = (o: K8sObject): boolean => o.metadata.labels?.['airlock.dev/action'] === 'capture-evidence' && o.kind !== 'VolumeSnapshot';

  test('with evidence settings, the containment Kustomization depends on an evidence Kustomization over _evidence/incidents/ of the same GitRepository, which waits past the capture deadline', () => {
    const ks = kustomizations(fluxBundles({ source, settings: resolveSettings(EVIDENCE) })[0].objects);
    assert.deepEqual(ks.map((k) => [k.metadata.name, k.spec.path, k.spec.dependsOn]), [
      ['airlock-evidence', `./dist/${CAPTURE_DIR}`, undefined],
      ['airlock', './dist', [{ name: 'airlock-evidence' }]],
    ]);
    const [evidence, containment] = ks;
    // Same source: Flux's dependency check then also wants the evidence applied at the revision the containment applies.
    assert.deepEqual(evidence.spec.sourceRef, containment.spec.sourceRef);
    assert.equal(evidence.spec.wait, true);
    assert.equal(evidence.spec.prune, true);
    assert.equal(evidence.spec.timeout, '360s', 'deadlineSeconds (300) plus a minute: a Job past its deadline has failed, so the wait always ends');
  });

  test('without evidence settings there is no evidence Kustomization and no dependency', () => {
    const ks = kustomizations(fluxBundles({ source, settings: resolveSettings({}) })[0].objects);
    assert.deepEqual(ks.map((k) => [k.metadata.name, k.spec.dependsOn]), [['airlock', undefined]]);
  });

  test('over a real dist/, the containment build holds no capture object, the evidence build exactly the capture objects, and together they are every object of dist/', () => {
    const { root, settings } = synthesizedRepo(EVIDENCE, incidentsWithCapture());
    const [evidence, containment] = kustomizations(fluxBundles({ source, settings })[0].objects);
    const captures = fluxBuild(root, evidence.spec.path).objects;
    const contained = fluxBuild(root, containment.spec.path);
    assert.ok(contained.generated?.resources.includes('./_evidence'), 'the generated root takes _evidence/ as one folder');
    assert.deepEqual(contained.objects.filter(isCapture), [], 'no capture Job or its RBAC in the containment');
    assert.ok(contained.objects.some((o) => o.kind === 'NetworkPolicy' && o.metadata.labels?.['airlock.dev/incident'] === 'INC-3'));
    assert.deepEqual([...new Set(captures.map((o) => o.kind))].sort(), CAPTURE_KINDS);
    assert.ok(captures.every((o) => isCapture(o) && o.metadata.labels?.['airlock.dev/incident'] === 'INC-3'));
    const everything = fs.readdirSync(path.join(root, 'dist')).filter((f) => f !== '_evidence').flatMap((f) => kustomizeBuild(path.join(root, 'dist', f)));
    const captureFolders = fs.readdirSync(path.join(root, 'dist', CAPTURE_DIR)).filter((f) => !f.endsWith('.md')).flatMap((f) => kustomizeBuild(path.join(root, 'dist', CAPTURE_DIR, f)));
    assert.deepEqual(keys([...contained.objects, ...captures]), keys([...everything, ...captureFolders]), 'each object applied by exactly one Kustomization');
  });

  test('with no capture at all, the evidence path still exists and builds to nothing, so it never holds the containment back', () => {
    const { root, settings } = synthesizedRepo(EVIDENCE);
    const [evidence] = kustomizations(fluxBundles({ source, settings })[0].objects);
    assert.deepEqual(fluxBuild(root, evidence.spec.path).objects, []);
  });

  test('lifting the incident removes its capture objects from the evidence build, so prune deletes them', () => {
    const { root, settings } = synthesizedRepo(EVIDENCE, incidentsWithCapture());
    const [evidence] = kustomizations(fluxBundles({ source, settings })[0].objects);
    assert.ok(fluxBuild(root, evidence.spec.path).objects.length > 0);
    writeIncidents(root, incidentsWithCapture({ lifted: ['INC-3'] }));
    resynth(root);
    assert.deepEqual(fluxBuild(root, evidence.spec.path).objects, []);
  });

  test('many clusters, hub: each cluster has its evidence Kustomization through the same kubeconfig, and its containment depends on it', () => {
    const { root, settings } = synthesizedRepo({ ...MANY, ...EVIDENCE }, incidentsWithCapture({ clusters: { 'INC-3': ['prod-us'] } }));
    const ks = kustomizations(fluxBundles({ source, settings })[0].objects);
    assert.deepEqual(ks.map((k) => [k.metadata.name, k.spec.path, k.spec.kubeConfig?.secretRef.name, (k.spec.dependsOn as { name: string }[] | undefined)?.[0]?.name]), [
      ['airlock-prod-eu-evidence', `./dist/prod-eu/${CAPTURE_DIR}`, 'airlock-prod-eu-kubeconfig', undefined],
      ['airlock-prod-eu', './dist/prod-eu', 'airlock-prod-eu-kubeconfig', 'airlock-prod-eu-evidence'],
      ['airlock-prod-us-evidence', `./dist/prod-us/${CAPTURE_DIR}`, 'airlock-prod-us-kubeconfig', undefined],
      ['airlock-prod-us', './dist/prod-us', 'airlock-prod-us-kubeconfig', 'airlock-prod-us-evidence'],
    ]);
    assert.deepEqual(fluxBuild(root, ks[0].spec.path).objects, [], 'INC-3 targets prod-us only');
    assert.ok(fluxBuild(root, ks[2].spec.path).objects.some((o) => o.kind === 'Job'));
  });
});
