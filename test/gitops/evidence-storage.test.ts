/**
 * Evidence storage as a bootstrap prerequisite: the evidence namespace and the provisioned claims are written
 * per cluster under `_prerequisites/`, never into `dist/` (Argo CD runs the capture's PreSync hook before any
 * manifest of the same sync) and never into the stream applied to the controller's namespace.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Namespace, PersistentVolumeClaim } from 'kubernetes-models/v1';
import { argoCdBootstrap, evidenceStorageObjects, fluxBootstrap, normalizeSource } from '../../src/gitops';
import { resolveSettings, type EvidenceSettings } from '../../src/settings/settings';
import { decodeYaml } from './controllers';
import { incidents, settingsSource } from './fixtures';
import { airlock, makeProject, snapshotTree } from '../support/project';

const TOOLBOX = `registry.acme.internal/security/toolbox@sha256:${'e'.repeat(64)}`;
const EVIDENCE: EvidenceSettings = {
  image: TOOLBOX,
  destination: { kind: 'pvc', claimName: 'airlock-evidence', provision: { storage: '200Gi', storageClassName: 'cephfs' } },
  destinations: {
    'legal-hold': { kind: 's3', endpoint: 'https://s3.eu-west-1.amazonaws.com', bucket: 'acme-legal-hold', credentialsSecret: 'legal-hold-s3' },
    scratch: { kind: 'pvc', claimName: 'airlock-scratch', provision: { storage: '20Gi', accessMode: 'ReadWriteOnce' } },
    existing: { kind: 'pvc', claimName: 'forensics-nfs' },
  },
};
const source = normalizeSource({ repoUrl: 'https://github.com/acme/airlock.git', branch: 'main', path: 'dist' });

describe('evidence storage prerequisites', () => {
  test('the evidence namespace and one claim per provisioned destination, valid Kubernetes objects; claims that exist already are left alone', () => {
    const objects = evidenceStorageObjects(resolveSettings({ evidence: EVIDENCE }));
    assert.deepEqual(
      objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`),
      ['Namespace /airlock-system', 'PersistentVolumeClaim airlock-system/airlock-evidence', 'PersistentVolumeClaim airlock-system/airlock-scratch'],
    );
    new Namespace(objects[0] as never).validate();
    for (const claim of objects.slice(1)) new PersistentVolumeClaim(claim as never).validate();
    assert.deepEqual(objects[1].spec, { accessModes: ['ReadWriteMany'], storageClassName: 'cephfs', resources: { requests: { storage: '200Gi' } } });
    assert.deepEqual(objects[2].spec, { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } });
  });

  test('without evidence settings there is nothing to prepare and no extra step', () => {
    const bundle = argoCdBootstrap({ source, settings: resolveSettings({}) });
    assert.deepEqual(bundle.prerequisites, []);
    assert.doesNotMatch(bundle.steps.join('\n'), /_prerequisites/);
  });

  test('each cluster gets its own folder with its own evidence block, and the first step applies each to its cluster', () => {
    const settings = resolveSettings({ evidence: EVIDENCE, clusters: [{ name: 'prod-eu' }, { name: 'staging', evidence: { image: TOOLBOX, namespace: 'forensics', destination: { kind: 'pvc', claimName: 'ev', provision: { storage: '5Gi' } } } }] });
    const bundle = fluxBootstrap({ source, settings });
    assert.deepEqual(bundle.prerequisites.map((f) => f.path), [
      '_prerequisites/prod-eu/namespace-airlock-system.yaml',
      '_prerequisites/prod-eu/persistentvolumeclaim-airlock-evidence.yaml',
      '_prerequisites/prod-eu/persistentvolumeclaim-airlock-scratch.yaml',
      '_prerequisites/staging/namespace-forensics.yaml',
      '_prerequisites/staging/persistentvolumeclaim-ev.yaml',
    ]);
    assert.match(bundle.steps[0], /kubectl --context <context-of-prod-eu> apply --server-side -f <out>\/_prerequisites\/prod-eu\/; kubectl --context <context-of-staging> apply --server-side -f <out>\/_prerequisites\/staging\//);
  });

  test('bootstrap --out writes the prerequisites beside the controller objects; the stdout stream for the controller never carries them', () => {
    const root = makeProject({ policies: { 'settings.ts': settingsSource({ evidence: EVIDENCE }) }, incidents: incidents() });
    const written = airlock(root, ['bootstrap', '--argocd', '--repo', 'https://github.com/acme/airlock.git', '--out', 'gitops/argocd']);
    assert.equal(written.status, 0, written.stderr);
    const tree = snapshotTree(path.join(root, 'gitops', 'argocd'));
    assert.deepEqual([...tree.keys()].filter((f) => f.startsWith('_prerequisites/')), ['_prerequisites/namespace-airlock-system.yaml', '_prerequisites/persistentvolumeclaim-airlock-evidence.yaml', '_prerequisites/persistentvolumeclaim-airlock-scratch.yaml']);
    const [claim] = decodeYaml(tree.get('_prerequisites/persistentvolumeclaim-airlock-evidence.yaml')!);
    new PersistentVolumeClaim(claim as never).validate();
    assert.match(written.stdout, /1\. Before the first incident, create the evidence namespace and storage on the cluster[^\n]*kubectl apply --server-side -f gitops\/argocd\/_prerequisites\//);
    const stream = airlock(root, ['bootstrap', '--argocd', '--repo', 'https://github.com/acme/airlock.git']);
    assert.equal(stream.status, 0, stream.stderr);
    assert.deepEqual(decodeYaml(stream.stdout).map((o) => (o as { kind: string }).kind).sort(), ['AppProject', 'Application']);
  });
});
