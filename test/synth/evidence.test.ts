/**
 * Evidence capture and enforcement probe, as synthesized objects: golden output a reviewer reads, Kubernetes
 * schemas (kubernetes-models) for Jobs, RBAC, ConfigMaps and the canary Pod, the VolumeSnapshot CRD of
 * ../shared/crds/external-snapshotter (read in place), `kubectl kustomize` over the incident folder, the
 * GitOps hook annotations, least-privilege RBAC (every verb listed), images pinned by digest, static scripts
 * (no incident text; inputs by environment only), the settings block and the typed refusal.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, Pod, ServiceAccount } from 'kubernetes-models/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from 'kubernetes-models/admissionregistration.k8s.io/v1';
import { blockImages, captureEvidence, isolate, quarantineNamespace, restrictEgress } from '../../src/incident/declare';
import type { Action } from '../../src/incident/types';
import { DEFAULT_GUARDRAILS, resolveSettings, type EvidenceSettings, type Settings, type SettingsSpec } from '../../src/settings/settings';
import { validateSettings } from '../../src/settings/validate-settings';
import { CAPTURE_DIR, EVIDENCE_DIR, hasCapture, synthesize, synthesizeCapture, synthesizeIncident } from '../../src/synth/synthesize';
import type { Incident } from '../../src/incident/types';
import { writeDist } from '../../src/synth/dist-writer';
import { ValidationError } from '../../src/errors';
import {
  ANCHOR_UID_PLACEHOLDER,
  ARGOCD_HOOK,
  ARGOCD_HOOK_DELETE_POLICY,
  ARGOCD_SYNC_OPTIONS,
  ARGOCD_SYNC_WAVE,
  EvidenceSettingsError,
  evidenceKinds,
  FLUX_FORCE,
  FLUX_PRUNE,
  readEvidenceResult,
  readProbeResult,
  SCRIPT_NAMES,
  scriptText,
  volumeSnapshotName,
} from '../../src/synth/evidence';
import { CrdValidator } from './crd-schemas';
import { environmentKey } from '../../src/project/incident-cache';
import { cryptominer, isolatePod } from '../../policies/playbooks';
import { incident } from './fixtures';
import { tempDir } from '../support/temp-dir';

const GOLDEN = path.join(__dirname, 'golden');
const TOOLBOX = `registry.acme.internal/security/toolbox@sha256:${'e'.repeat(64)}`;
const EVIDENCE: EvidenceSettings = {
  image: TOOLBOX,
  destination: { kind: 'pvc', claimName: 'airlock-evidence' },
  destinations: { 'legal-hold': { kind: 's3', endpoint: 'https://s3.eu-west-1.amazonaws.com', bucket: 'acme-legal-hold', prefix: 'airlock/', region: 'eu-west-1', credentialsSecret: 'legal-hold-s3' } },
  volumeSnapshotClassName: 'csi-retain',
  probe: { egressTargets: ['203.0.113.10:443', '10.20.0.5:443'] },
};
const settings = resolveSettings({ evidence: EVIDENCE });

type K8s = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: unknown };

/** Both folders of an incident, as a reviewer reads the pull request: its own, then its capture folder's files by path. */
function incidentFiles(inc: Incident, s: Settings = settings): Map<string, string> {
  const capture = hasCapture(inc, s) ? [...synthesizeCapture(inc, s)].map(([n, c]) => [`${CAPTURE_DIR}/${inc.slug}/${n}`, c] as const) : [];
  return new Map([...synthesizeIncident(inc, s), ...capture]);
}

function objectsOf(files: ReadonlyMap<string, string>): K8s[] {
  return [...files].filter(([n]) => n.endsWith('.yaml') && !n.endsWith('kustomization.yaml')).flatMap(([, c]) => parseAllDocuments(c).map((d) => d.toJS() as K8s));
}

/**
 * The folder as a reviewer reads it: every object in file order, with the static scripts (reviewed once, in
 * src/synth/evidence/scripts/) shown by name and hash, and the canary's manifest decoded.
 */
function reviewText(files: ReadonlyMap<string, string>): string {
  return [...files]
    .filter(([n]) => n.endsWith('.yaml') && !n.endsWith('kustomization.yaml'))
    .map(([n, c]) => {
      let text = c;
      for (const name of SCRIPT_NAMES) {
        text = text.replace(new RegExp(`^(\\s+${name.replace('.', '\\.')}): ".*"$`, 'm'), `$1: <static src/synth/evidence/scripts/${name}>`);
      }
      const canary = /^(\s+canary\.json): (".*")$/m.exec(text);
      if (canary) {
        const manifest = JSON.parse(JSON.parse(canary[2]) as string) as { spec: { containers: Array<{ command: string[] }> } };
        manifest.spec.containers[0].command[2] = '<static src/synth/evidence/scripts/canary.sh>';
        text = text.replace(canary[0], `${canary[1]}: |-\n${JSON.stringify(manifest, null, 2).replace(/^/gm, '      ')}`);
      }
      return `## ${n}\n${text}`;
    })
    .join('');
}

const CAPTURE = captureEvidence({ namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k', container: 'app', volumes: ['data-checkout-0', 'cache-checkout-0'], connections: true });
const GOLDEN_CASES: Record<string, Action[]> = {
  'evidence-capture': [CAPTURE],
  'evidence-capture-s3': [captureEvidence({ namespace: 'payments', pod: 'checkout-1', logs: false, destination: 'legal-hold' })],
  'evidence-probe': [
    isolate({
      namespace: 'payments',
      selector: { 'app.kubernetes.io/name': 'checkout' },
      allow: [
        { direction: 'ingress', namespace: 'monitoring', selector: { app: 'prometheus' }, ports: [{ port: 9090 }] },
        { direction: 'egress', cidr: '10.0.0.0/8', except: ['10.99.0.0/16'], ports: [{ port: 443 }] },
      ],
    }),
  ],
};

describe('golden output of evidence and probe', () => {
  for (const [name, actions] of Object.entries(GOLDEN_CASES)) {
    test(`${name} synthesizes the reviewed manifests`, () => {
      const text = reviewText(incidentFiles(incident(actions)));
      const file = path.join(GOLDEN, `${name}.yaml`);
      if (process.env.UPDATE_GOLDEN) fs.writeFileSync(file, text);
      assert.equal(text, fs.readFileSync(file, 'utf8'));
    });
  }
});

describe('evidence objects', () => {
  const all = incident([
    CAPTURE,
    isolate({ namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k' }),
    isolate({ namespace: 'payments', selector: { app: 'checkout' }, dns: 'none' }),
    quarantineNamespace({ namespace: 'ci', dns: 'cluster+nodelocal' }),
    restrictEgress({ namespace: 'data', selector: { app: 'reporting' }, allow: [] }),
    blockImages({ images: [`ghcr.io/acme/app@sha256:${'a'.repeat(64)}`], reason: 'miner' }),
    captureEvidence({ namespace: 'data', pod: 'reporting-0', destination: 'legal-hold' }),
  ]);
  const tree = synthesize({ settings, guardrails: DEFAULT_GUARDRAILS, incidents: [all] });
  const objects = [...tree.values()].flatMap(objectsOf);
  const of = (kind: string): K8s[] => objects.filter((o) => o.kind === kind);
  const canaries = of('ConfigMap').flatMap((c) => ((c.data as Record<string, string> | undefined)?.['canary.json'] ? [JSON.parse((c.data as Record<string, string>)['canary.json']) as K8s] : []));

  test('validate against the Kubernetes schemas (kubernetes-models): Jobs, ServiceAccounts, Roles, RoleBindings, ConfigMaps and the canary Pod', () => {
    const models: Record<string, new (o: never) => { validate(): void }> = { Job, ServiceAccount, Role, RoleBinding, ConfigMap, NetworkPolicy, Namespace, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding, Pod };
    const kinds = new Set<string>();
    for (const o of [...objects.filter((x) => x.kind !== 'VolumeSnapshot'), ...canaries]) {
      const Model = models[o.kind];
      assert.ok(Model, `no schema model for ${o.kind}`);
      new Model(o as never).validate();
      kinds.add(o.kind);
    }
    for (const kind of ['Job', 'ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap', 'Pod']) assert.ok(kinds.has(kind), `${kind} was validated`);
    assert.equal(canaries.length, 4, 'one canary per network action');
  });

  test('VolumeSnapshots validate against the external-snapshotter CRD (read in place), including its CEL rules', () => {
    const validator = new CrdValidator([{ file: 'external-snapshotter/snapshot.storage.k8s.io_volumesnapshots.yaml', channel: 'standard' }]);
    const snapshots = of('VolumeSnapshot');
    assert.deepEqual(snapshots.map((s) => s.metadata.name), ['airlock-inc-7-0-cache-checkout-0', 'airlock-inc-7-0-data-checkout-0']);
    for (const s of snapshots) {
      assert.deepEqual(validator.problems(s), [], s.metadata.name);
      // The CRD's x-kubernetes-validations, which JSON schema cannot express.
      const spec = s.spec as { source: Record<string, string>; volumeSnapshotClassName?: string };
      assert.equal(Object.keys(spec.source).filter((k) => k === 'persistentVolumeClaimName' || k === 'volumeSnapshotContentName').length, 1, 'exactly one of volumeSnapshotContentName and persistentVolumeClaimName');
      assert.ok(spec.volumeSnapshotClassName === undefined || spec.volumeSnapshotClassName.length > 0, 'volumeSnapshotClassName must not be the empty string');
      assert.equal(spec.volumeSnapshotClassName, 'csi-retain');
      assert.equal(s.metadata.namespace, 'payments');
    }
    const typo = { ...snapshots[0], spec: { source: { persistentVolumeClaimNmae: 'x' } } };
    assert.notDeepEqual(validator.problems(typo), [], 'a misspelled field fails');
  });

  test('kubectl kustomize builds the incident folder and its capture folder, every object once; the evidence root builds to nothing', () => {
    const dir = tempDir('airlock-evidence-');
    writeDist(path.join(dir, 'dist'), tree);
    const build = (folder: string): K8s[] => {
      const built = spawnSync('kubectl', ['kustomize', path.join(dir, 'dist', folder)], { encoding: 'utf8' });
      assert.equal(built.status, 0, built.stderr);
      return parseAllDocuments(built.stdout).map((d) => d.toJS() as K8s).filter((d) => d !== null);
    };
    const containment = build('inc-7');
    const capture = build(`${CAPTURE_DIR}/inc-7`);
    assert.equal(containment.length, objectsOf(tree.get('inc-7')!).length);
    assert.equal(capture.length, objectsOf(tree.get(`${CAPTURE_DIR}/inc-7`)!).length);
    assert.ok(containment.some((d) => d.kind === 'VolumeSnapshot') && !containment.some((d) => d.kind === 'Job' && d.metadata.name.includes('capture')));
    assert.ok(capture.some((d) => d.kind === 'Job') && capture.every((d) => d.metadata.annotations?.[ARGOCD_HOOK] === 'PreSync'));
    assert.deepEqual(build(EVIDENCE_DIR), [], 'the evidence root hides the captures from a kustomization over dist/');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('every object carries the incident labels and annotations; namespaced ones a namespace', () => {
    for (const o of objects.filter((x) => x.kind !== 'Namespace' && !x.kind.startsWith('Validating'))) {
      assert.equal(o.metadata.labels?.['app.kubernetes.io/managed-by'], 'airlock', `${o.kind}/${o.metadata.name}`);
      assert.equal(o.metadata.labels?.['airlock.dev/incident'], 'INC-7');
      assert.equal(o.metadata.annotations?.['airlock.dev/severity'], 'critical');
      assert.ok(o.metadata.namespace, `${o.kind}/${o.metadata.name} has a namespace`);
    }
  });

  test('the capture is an Argo CD PreSync hook and the probe a PostSync hook; their support comes first and goes on success; evidence outlives the incident', () => {
    const hooked = objects.filter((o) => o.metadata.annotations?.[ARGOCD_HOOK] !== undefined);
    for (const job of of('Job')) {
      const a = job.metadata.annotations!;
      assert.equal(a[ARGOCD_HOOK], job.metadata.name.endsWith('-capture') ? 'PreSync' : 'PostSync', job.metadata.name);
      assert.equal(a[ARGOCD_HOOK_DELETE_POLICY], 'BeforeHookCreation', 'the Job keeps its result until the next sync');
      assert.equal(a[ARGOCD_SYNC_WAVE], '0');
      assert.equal(a[FLUX_FORCE], 'enabled', 'Flux replaces a Job whose immutable spec changed');
    }
    for (const o of hooked.filter((x) => ['ServiceAccount', 'Role', 'RoleBinding'].includes(x.kind) || x.metadata.name.endsWith('-scripts'))) {
      assert.equal(o.metadata.annotations![ARGOCD_SYNC_WAVE], '-1', `${o.kind}/${o.metadata.name} exists before its Job`);
      assert.equal(o.metadata.annotations![ARGOCD_HOOK_DELETE_POLICY], 'BeforeHookCreation,HookSucceeded', `${o.kind}/${o.metadata.name}: grants live only during a sync`);
    }
    // Every RBAC object and script ConfigMap is a hook of the phase of its Job.
    for (const o of objects.filter((x) => ['ServiceAccount', 'Role', 'RoleBinding'].includes(x.kind))) {
      assert.equal(o.metadata.annotations?.[ARGOCD_HOOK], o.metadata.name.endsWith('-capture') ? 'PreSync' : 'PostSync', `${o.kind}/${o.metadata.name}`);
    }
    const evidenceResult = objects.find((o) => o.metadata.name === 'airlock-inc-7-0-evidence')!;
    assert.equal(evidenceResult.metadata.annotations![ARGOCD_HOOK], 'PreSync', 'the capture result exists before the PreSync Job');
    assert.equal(evidenceResult.metadata.annotations![ARGOCD_HOOK_DELETE_POLICY], 'BeforeHookCreation');
    const probeResult = objects.find((o) => o.metadata.name === 'airlock-inc-7-1-probe' && o.kind === 'ConfigMap')!;
    assert.equal(probeResult.metadata.annotations![ARGOCD_HOOK], undefined, 'the probe result is an ordinary manifest: pruned with the incident');
    assert.equal(probeResult.data, undefined, 'no data in git: the controllers never revert what the probe wrote');
    for (const s of of('VolumeSnapshot')) {
      assert.equal(s.metadata.annotations![ARGOCD_SYNC_OPTIONS], 'Prune=false,Delete=false');
      assert.equal(s.metadata.annotations![FLUX_PRUNE], 'disabled');
      assert.equal(s.metadata.annotations![ARGOCD_HOOK], undefined, 'a snapshot is taken once, not at every sync');
    }
  });

  test('RBAC is least privilege: namespaced Roles only, no wildcard, no Secrets, every verb listed, by name wherever Kubernetes allows', () => {
    assert.equal(objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding').length, 0);
    const grants = of('Role').flatMap((r) =>
      (r.rules as Array<{ apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }>).flatMap((rule) =>
        rule.resources.flatMap((res) => rule.verbs.map((verb) => `${r.metadata.namespace}/${r.metadata.name}: ${verb} ${rule.apiGroups.map((g) => g || 'core').join(',')}/${res}${rule.resourceNames ? `[${rule.resourceNames.join(',')}]` : ''}`)),
      ),
    );
    assert.deepEqual(grants.sort(), [
      // capture of payments/checkout-7d9f8c-x2x4k, with connections
      'airlock-system/airlock-inc-7-0-capture: get core/configmaps[airlock-inc-7-0-evidence]',
      'airlock-system/airlock-inc-7-0-capture: patch core/configmaps[airlock-inc-7-0-evidence]',
      'airlock-system/airlock-inc-7-1-probe: get core/configmaps[airlock-inc-7-1-probe]',
      'airlock-system/airlock-inc-7-1-probe: patch core/configmaps[airlock-inc-7-1-probe]',
      'airlock-system/airlock-inc-7-2-probe: get core/configmaps[airlock-inc-7-2-probe]',
      'airlock-system/airlock-inc-7-2-probe: patch core/configmaps[airlock-inc-7-2-probe]',
      'airlock-system/airlock-inc-7-3-probe: get core/configmaps[airlock-inc-7-3-probe]',
      'airlock-system/airlock-inc-7-3-probe: patch core/configmaps[airlock-inc-7-3-probe]',
      'airlock-system/airlock-inc-7-4-probe: get core/configmaps[airlock-inc-7-4-probe]',
      'airlock-system/airlock-inc-7-4-probe: patch core/configmaps[airlock-inc-7-4-probe]',
      'airlock-system/airlock-inc-7-6-capture: get core/configmaps[airlock-inc-7-6-evidence]',
      'airlock-system/airlock-inc-7-6-capture: patch core/configmaps[airlock-inc-7-6-evidence]',
      'ci/airlock-inc-7-3-probe: create core/pods',
      'ci/airlock-inc-7-3-probe: delete core/pods[airlock-inc-7-3-canary]',
      'ci/airlock-inc-7-3-probe: get core/configmaps[airlock-inc-7-3-probe-anchor]',
      'ci/airlock-inc-7-3-probe: get core/pods/log[airlock-inc-7-3-canary]',
      'ci/airlock-inc-7-3-probe: get core/pods[airlock-inc-7-3-canary]',
      'data/airlock-inc-7-4-probe: create core/pods',
      'data/airlock-inc-7-4-probe: delete core/pods[airlock-inc-7-4-canary]',
      'data/airlock-inc-7-4-probe: get core/configmaps[airlock-inc-7-4-probe-anchor]',
      'data/airlock-inc-7-4-probe: get core/pods/log[airlock-inc-7-4-canary]',
      'data/airlock-inc-7-4-probe: get core/pods[airlock-inc-7-4-canary]',
      // capture of data/reporting-0: logs, no connections (no ephemeral containers)
      'data/airlock-inc-7-6-capture: get core/pods/log[reporting-0]',
      'data/airlock-inc-7-6-capture: get core/pods[reporting-0]',
      'data/airlock-inc-7-6-capture: list core/events',
      'payments/airlock-inc-7-0-capture: get core/pods/log[checkout-7d9f8c-x2x4k]',
      'payments/airlock-inc-7-0-capture: get core/pods[checkout-7d9f8c-x2x4k]',
      'payments/airlock-inc-7-0-capture: list core/events',
      'payments/airlock-inc-7-0-capture: patch core/pods/ephemeralcontainers[checkout-7d9f8c-x2x4k]',
      'payments/airlock-inc-7-1-probe: create core/pods',
      'payments/airlock-inc-7-1-probe: delete core/pods[airlock-inc-7-1-canary]',
      'payments/airlock-inc-7-1-probe: get core/configmaps[airlock-inc-7-1-probe-anchor]',
      'payments/airlock-inc-7-1-probe: get core/pods/log[airlock-inc-7-1-canary]',
      'payments/airlock-inc-7-1-probe: get core/pods[airlock-inc-7-1-canary]',
      'payments/airlock-inc-7-2-probe: create core/pods',
      'payments/airlock-inc-7-2-probe: delete core/pods[airlock-inc-7-2-canary]',
      'payments/airlock-inc-7-2-probe: get core/configmaps[airlock-inc-7-2-probe-anchor]',
      'payments/airlock-inc-7-2-probe: get core/pods/log[airlock-inc-7-2-canary]',
      'payments/airlock-inc-7-2-probe: get core/pods[airlock-inc-7-2-canary]',
    ]);
    for (const g of grants) {
      assert.doesNotMatch(g, /\*/, 'no wildcard');
      assert.doesNotMatch(g, /secrets/, 'no Secrets');
    }
    // Each binding grants its Role to the Job's own ServiceAccount, and nothing else.
    for (const b of of('RoleBinding')) {
      assert.deepEqual(b.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: b.metadata.name });
      assert.deepEqual(b.subjects, [{ kind: 'ServiceAccount', name: b.metadata.name, namespace: 'airlock-system' }]);
    }
    for (const sa of of('ServiceAccount')) assert.equal(sa.automountServiceAccountToken, false);
  });

  test('Jobs and the canary run hardened, bounded, with images pinned by digest', () => {
    const jobs = of('Job');
    assert.equal(jobs.length, 6);
    const pods = [...jobs.map((j) => ({ name: j.metadata.name, spec: (j.spec as { template: { spec: Record<string, unknown> } }).template.spec, job: j.spec as Record<string, unknown> })), ...canaries.map((c) => ({ name: c.metadata.name, spec: c.spec as Record<string, unknown>, job: undefined }))];
    for (const { name, spec, job } of pods) {
      const sc = spec.securityContext as Record<string, unknown>;
      assert.equal(sc.runAsNonRoot, true, name);
      assert.deepEqual(sc.seccompProfile, { type: 'RuntimeDefault' });
      for (const c of spec.containers as Array<Record<string, unknown>>) {
        assert.match(c.image as string, /@sha256:[0-9a-f]{64}$/, `${name}: image pinned by digest`);
        const csc = c.securityContext as Record<string, unknown>;
        assert.equal(csc.allowPrivilegeEscalation, false);
        assert.equal(csc.readOnlyRootFilesystem, true);
        assert.deepEqual(csc.capabilities, { drop: ['ALL'] });
        assert.ok((c.resources as { limits?: unknown }).limits, `${name}: limits`);
      }
      if (job) {
        assert.ok(typeof job.activeDeadlineSeconds === 'number' && job.activeDeadlineSeconds > 0, `${name}: activeDeadlineSeconds`);
        assert.equal(typeof job.backoffLimit, 'number');
        assert.equal(spec.automountServiceAccountToken, true);
        assert.equal(spec.serviceAccountName, name);
      } else {
        assert.equal(spec.automountServiceAccountToken, false, 'the canary holds no token');
        assert.ok(typeof spec.activeDeadlineSeconds === 'number', 'the canary stops by itself');
      }
    }
    for (const c of canaries) {
      const owner = (c.metadata as unknown as { ownerReferences: Array<Record<string, unknown>> }).ownerReferences[0];
      assert.equal(owner.uid, ANCHOR_UID_PLACEHOLDER);
      assert.equal(owner.controller, true, 'a controller owner keeps ReplicaSets from adopting the canary');
      assert.deepEqual(((c.spec as { containers: Array<{ readinessProbe: unknown }> }).containers[0]).readinessProbe, { exec: { command: ['false'] }, periodSeconds: 3600 });
    }
  });

  test('the canary carries exactly what the policy selects', () => {
    const byNs = (ns: string, name: string): K8s => canaries.find((c) => c.metadata.namespace === ns && c.metadata.name === name)!;
    assert.equal(byNs('payments', 'airlock-inc-7-1-canary').metadata.labels!['airlock.dev/quarantine'], 'INC-7');
    assert.equal(byNs('payments', 'airlock-inc-7-2-canary').metadata.labels!.app, 'checkout');
    assert.equal(byNs('data', 'airlock-inc-7-4-canary').metadata.labels!.app, 'reporting');
    const np = objects.find((o) => o.metadata.name === 'airlock-inc-7-2-isolate-workload')!;
    const selector = (np.spec as { podSelector: { matchLabels: Record<string, string> } }).podSelector.matchLabels;
    for (const [k, v] of Object.entries(selector)) assert.equal(byNs('payments', 'airlock-inc-7-2-canary').metadata.labels![k], v);
  });

  test('the probe expects what each action allows: no ingress check for restrictEgress, DNS blocked for profile none, targets an allow covers left out', () => {
    const env = (job: string): Record<string, string> => {
      const j = of('Job').find((x) => x.metadata.name === job)!;
      const c = (j.spec as { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } } }).template.spec.containers[0];
      return Object.fromEntries(c.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
    };
    assert.equal(env('airlock-inc-7-1-probe').AIRLOCK_CHECK_INGRESS, 'true');
    assert.equal(env('airlock-inc-7-1-probe').AIRLOCK_DNS_EXPECT, 'resolve');
    assert.equal(env('airlock-inc-7-2-probe').AIRLOCK_DNS_EXPECT, 'blocked');
    assert.equal(env('airlock-inc-7-4-probe').AIRLOCK_CHECK_INGRESS, 'false');
    assert.equal(env('airlock-inc-7-1-probe').AIRLOCK_EGRESS_TARGETS, '203.0.113.10:443 10.20.0.5:443');
    const golden = synthesizeIncident(incident(GOLDEN_CASES['evidence-probe']), settings);
    assert.match(golden.get('job-airlock-system.airlock-inc-7-0-probe.yaml')!, /name: AIRLOCK_EGRESS_TARGETS\n\s+value: "203\.0\.113\.10:443"\n/, '10.20.0.5 is inside the allowed 10.0.0.0/8');
    assert.match(golden.get('RUNBOOK.md')!, /`10\.20\.0\.5:443` is not tried: the allow `10\.0\.0\.0\/8` covers it/);
  });

  test('the script ConfigMaps hold the static scripts byte for byte, with their hashes', () => {
    for (const cm of of('ConfigMap').filter((c) => c.metadata.name.endsWith('-scripts'))) {
      const data = cm.data as Record<string, string>;
      for (const [file, text] of Object.entries(data)) {
        if (file === 'canary.json') continue;
        assert.equal(text, scriptText(file as never), `${cm.metadata.name}/${file}`);
        assert.match(cm.metadata.annotations![`airlock.dev/sha256.${file}`], /^[0-9a-f]{64}$/);
      }
    }
  });
});

describe('the scripts are static: inputs only through the environment', () => {
  // Names that would stand out in a script: if synthesis ever spliced a value into one, it would show here.
  const marked = incident([
    captureEvidence({ namespace: 'zz-marked-ns', pod: 'zz-marked-pod.v1', container: 'zz-marked-container', volumes: ['zz-marked-claim'], connections: true }),
    isolate({ namespace: 'zz-marked-ns', selector: { 'zz-marked.example/key': 'zz-marked_value' } }),
  ], 'INC-ZZMARKED');
  const files = incidentFiles(marked);
  const objects = objectsOf(files);

  test('no script names an incident, namespace, pod, container, claim or label', () => {
    for (const name of SCRIPT_NAMES) {
      assert.doesNotMatch(scriptText(name), /zz-marked|ZZMARKED|INC-|airlock-inc|checkout|payments/i, name);
    }
    for (const cm of objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-scripts'))) {
      for (const [file, text] of Object.entries(cm.data as Record<string, string>)) {
        if (file === 'canary.json') {
          const canary = JSON.parse(text) as { spec: { containers: Array<{ command: string[] }> } };
          assert.equal(canary.spec.containers[0].command[2], scriptText('canary.sh'), 'the canary runs the static script; its inputs are env');
        } else {
          assert.doesNotMatch(text, /zz-marked|ZZMARKED/i, `${cm.metadata.name}/${file}`);
        }
      }
    }
  });

  test('the Jobs run a script file, and every marked value reaches them as an environment variable', () => {
    for (const job of objects.filter((o) => o.kind === 'Job')) {
      const c = (job.spec as { template: { spec: { containers: Array<{ command: string[]; args?: string[]; env: Array<{ name: string; value?: string }> }> } } }).template.spec.containers[0];
      assert.deepEqual(c.command.slice(0, 1), ['sh']);
      assert.match(c.command[1], /^\/airlock\/(capture|probe)\.sh$/);
      assert.equal(c.args, undefined);
      assert.ok(c.env.some((e) => e.value?.includes('zz-marked')), `${job.metadata.name} gets the names by env`);
    }
  });
});

test('the runbook records the pod by hand before and after the containment, processes and sockets from the pinned forensic image; every block parses as sh', () => {
  const runbook = synthesizeIncident(incident([isolate({ namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k' }), captureEvidence({ namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k', container: 'app' })]), settings).get('RUNBOOK.md')!;
  const section = runbook.slice(runbook.indexOf('## 2. Capture evidence'));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const phases = ['before-containment', 'after-containment'].map((phase) => blocks.find((b) => b.includes(`/${phase}/`)));
  for (const block of phases) {
    assert.ok(block, section);
    assert.match(block, new RegExp(`kubectl debug --namespace payments checkout-7d9f8c-x2x4k --image ${TOOLBOX.replace(/[.]/g, '\\.')} --profile restricted --target app --container "\\$debug" --attach`));
    assert.match(block, /> evidence\/INC-7\/checkout-7d9f8c-x2x4k\/(before|after)-containment\/processes-and-sockets\.txt\n/);
    assert.match(block.trim().split('\n').at(-1)!, /^sha256sum .* > .*\/SHA256SUMS$/, 'the hash manifest comes last');
  }
  assert.ok(section.indexOf('after-containment') > section.indexOf('the probe `enforced`'), 'the after-containment record follows the condition it waits for');
  for (const block of blocks) assert.equal(spawnSync('sh', ['-n'], { input: block }).status, 0, block);
});

describe('without the evidence settings', () => {
  const bare = resolveSettings({});
  test('captureEvidence writes only the VolumeSnapshots, the runbook gives the commands to run by hand, and no probe is written', () => {
    const files = synthesizeIncident(incident([CAPTURE, isolate({ namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k' })]), bare);
    assert.deepEqual(objectsOf(files).map((o) => o.kind).sort(), ['NetworkPolicy', 'VolumeSnapshot', 'VolumeSnapshot']);
    assert.equal(objectsOf(files).find((o) => o.kind === 'VolumeSnapshot')!.spec && (objectsOf(files).find((o) => o.kind === 'VolumeSnapshot')!.spec as Record<string, unknown>).volumeSnapshotClassName, undefined);
    const runbook = files.get('RUNBOOK.md')!;
    assert.match(runbook, /No `evidence` block in `policies\/settings\.ts`/);
    assert.match(runbook, /kubectl get pod --namespace payments checkout-7d9f8c-x2x4k --output yaml > evidence\/INC-7\/checkout-7d9f8c-x2x4k\/pod\.yaml/);
    assert.match(runbook, /Evidence first: capture it by hand as action 1 says/);
  });

  test('probe.enabled: false writes no probe', () => {
    const off = resolveSettings({ evidence: { ...EVIDENCE, probe: { enabled: false } } });
    assert.deepEqual(objectsOf(synthesizeIncident(incident([isolate({ namespace: 'payments', pod: 'p' })]), off)).map((o) => o.kind), ['NetworkPolicy']);
  });

  test('the evidence kinds for an AppProject allow-list follow the settings', () => {
    assert.deepEqual(evidenceKinds(bare).map((k) => k.kind), ['VolumeSnapshot']);
    assert.deepEqual(evidenceKinds(settings).map((k) => `${k.group}/${k.kind}`), ['/ConfigMap', '/ServiceAccount', 'batch/Job', 'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding', 'snapshot.storage.k8s.io/VolumeSnapshot']);
  });
});

describe('refusals and names', () => {
  test('a destination the settings do not declare stops synthesis with the file and field (EvidenceSettingsError)', () => {
    const bad = incident([captureEvidence({ namespace: 'payments', pod: 'p', destination: 'elsewhere' })]);
    assert.throws(
      () => incidentFiles(bad),
      (e: unknown) => e instanceof EvidenceSettingsError && e instanceof ValidationError && e.problems[0].field === 'actions[0].destination' && e.problems[0].file === 'incidents/INC-7.ts' && /legal-hold/.test(e.problems[0].hint ?? ''),
    );
  });

  test('names are deterministic and within Kubernetes limits, even for the longest ids and claims', () => {
    const id = `INC-${'9'.repeat(36)}`;
    const long = incident([captureEvidence({ namespace: 'payments', pod: 'p', volumes: [`c${'x'.repeat(250)}`, `c${'x'.repeat(249)}y`] }), isolate({ namespace: 'payments', pod: 'p' })], id);
    const objects = objectsOf(incidentFiles(long));
    for (const o of objects) assert.ok(o.metadata.name.length <= 253, o.metadata.name);
    for (const j of objects.filter((o) => o.kind === 'Job')) assert.ok(j.metadata.name.length <= 63, `${j.metadata.name}: a Job name becomes a label value`);
    const snapshots = objects.filter((o) => o.kind === 'VolumeSnapshot').map((o) => o.metadata.name);
    assert.equal(new Set(snapshots).size, 2, 'two long claims never share a snapshot name');
    for (const s of snapshots) assert.match(s, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    assert.equal(volumeSnapshotName(long, 0, `c${'x'.repeat(250)}`), snapshots.find((s) => s === volumeSnapshotName(long, 0, `c${'x'.repeat(250)}`)));
  });
});

describe('settings.evidence validation', () => {
  const fields = (evidence: unknown): string[] => validateSettings({ evidence }, 'policies/settings.ts').map((p) => p.field);
  const ok = (spec: SettingsSpec): void => assert.deepEqual(validateSettings(spec, 'policies/settings.ts'), []);

  test('accepts the documented shapes', () => {
    ok({ evidence: EVIDENCE });
    ok({ evidence: { image: TOOLBOX, destination: { kind: 's3', endpoint: 'http://minio.storage:9000', bucket: 'evidence', credentialsSecret: 'minio' }, debugProfile: 'baseline', deadlineSeconds: 900, failOnCaptureError: true, probe: { enabled: true, egressTargets: ['[2001:db8::10]:443'], dnsName: 'kubernetes.default.svc.corp.local', port: 18080, timeoutSeconds: 300 } } });
    ok({ clusters: [{ name: 'prod', evidence: { ...EVIDENCE, namespace: 'forensics' } }] });
    ok({ evidence: { ...EVIDENCE, destination: { kind: 'pvc', claimName: 'airlock-evidence', provision: { storage: '200Gi', storageClassName: 'cephfs', accessMode: 'ReadWriteOnce' } } } });
    ok({ evidence: { ...EVIDENCE, destination: { kind: 'pvc', claimName: 'a', provision: { storage: '1.5T' } }, destinations: { again: { kind: 'pvc', claimName: 'a', provision: { storage: '1.5T' } } } } });
  });

  const BAD: Array<[string, unknown, string]> = [
    ['an image by tag', { ...EVIDENCE, image: 'registry.acme.internal/toolbox:1.0' }, 'evidence.image'],
    ['no image', { destination: EVIDENCE.destination }, 'evidence.image'],
    ['no destination', { image: TOOLBOX }, 'evidence.destination'],
    ['an unknown destination kind', { ...EVIDENCE, destination: { kind: 'nfs', server: 'x' } }, 'evidence.destination.kind'],
    ['a claim name with upper case', { ...EVIDENCE, destination: { kind: 'pvc', claimName: 'Evidence' } }, 'evidence.destination.claimName'],
    ['an S3 endpoint that is not a URL', { ...EVIDENCE, destination: { kind: 's3', endpoint: 's3.example.com; rm -rf /', bucket: 'b-1', credentialsSecret: 's' } }, 'evidence.destination.endpoint'],
    ['an S3 bucket with upper case', { ...EVIDENCE, destination: { kind: 's3', endpoint: 'https://s3.example.com', bucket: 'Evidence', credentialsSecret: 's' } }, 'evidence.destination.bucket'],
    ['an S3 prefix leaving the bucket root', { ...EVIDENCE, destination: { kind: 's3', endpoint: 'https://s3.example.com', bucket: 'b-1', prefix: '../x/', credentialsSecret: 's' } }, 'evidence.destination.prefix'],
    ['S3 without credentials', { ...EVIDENCE, destination: { kind: 's3', endpoint: 'https://s3.example.com', bucket: 'b-1' } }, 'evidence.destination.credentialsSecret'],
    ['a named destination with a bad name', { ...EVIDENCE, destinations: { 'Legal Hold': EVIDENCE.destination } }, 'evidence.destinations.Legal Hold'],
    ['an unknown field', { ...EVIDENCE, imgae: TOOLBOX }, 'evidence.imgae'],
    ['a namespace that is not a label', { ...EVIDENCE, namespace: 'Airlock' }, 'evidence.namespace'],
    ['an unknown debug profile', { ...EVIDENCE, debugProfile: 'sysadmin' }, 'evidence.debugProfile'],
    ['a deadline too short', { ...EVIDENCE, deadlineSeconds: 5 }, 'evidence.deadlineSeconds'],
    ['a probe target without a port', { ...EVIDENCE, probe: { egressTargets: ['203.0.113.10'] } }, 'evidence.probe.egressTargets[0]'],
    ['a probe target by name', { ...EVIDENCE, probe: { egressTargets: ['example.com:443'] } }, 'evidence.probe.egressTargets[0]'],
    ['a probe port out of range', { ...EVIDENCE, probe: { port: 70000 } }, 'evidence.probe.port'],
    ['a claim size without a unit', { ...EVIDENCE, destination: { kind: 'pvc', claimName: 'e', provision: { storage: '200' } } }, 'evidence.destination.provision.storage'],
    ['a claim size of zero', { ...EVIDENCE, destination: { kind: 'pvc', claimName: 'e', provision: { storage: '0Gi' } } }, 'evidence.destination.provision.storage'],
    ['a claim with no size', { ...EVIDENCE, destination: { kind: 'pvc', claimName: 'e', provision: { storageClassName: 'fast' } } }, 'evidence.destination.provision.storage'],
    ['a claim access mode Kubernetes lacks', { ...EVIDENCE, destination: { kind: 'pvc', claimName: 'e', provision: { storage: '1Gi', accessMode: 'ReadWriteAll' } } }, 'evidence.destination.provision.accessMode'],
    ['a storage class that is not a name', { ...EVIDENCE, destination: { kind: 'pvc', claimName: 'e', provision: { storage: '1Gi', storageClassName: 'Fast SSD' } } }, 'evidence.destination.provision.storageClassName'],
    ['one claim provisioned two ways', { ...EVIDENCE, destination: { kind: 'pvc', claimName: 'e', provision: { storage: '1Gi' } }, destinations: { big: { kind: 'pvc', claimName: 'e', provision: { storage: '9Gi' } } } }, 'evidence.destinations.big.provision'],
    ['a probe timeout too long', { ...EVIDENCE, probe: { timeoutSeconds: 7200 } }, 'evidence.probe.timeoutSeconds'],
  ];
  for (const [what, evidence, field] of BAD) {
    test(`refuses ${what} (${field})`, () => assert.ok(fields(evidence).includes(field), `${field} in ${fields(evidence).join(', ')}`));
  }

  test('a cluster replaces the evidence block as a whole', () => {
    const resolved: Settings = resolveSettings({ evidence: EVIDENCE, clusters: [{ name: 'a' }, { name: 'b', evidence: { image: TOOLBOX, namespace: 'forensics', destination: { kind: 'pvc', claimName: 'x' } } }] });
    assert.equal(resolved.clusters[0].settings.evidence?.volumeSnapshotClassName, 'csi-retain');
    assert.equal(resolved.clusters[1].settings.evidence?.namespace, 'forensics');
    assert.equal(resolved.clusters[1].settings.evidence?.volumeSnapshotClassName, undefined);
  });
});

describe('status contract (what airlock status reads)', () => {
  test('reads written, pending and forged results', () => {
    assert.deepEqual(readEvidenceResult(undefined), { state: 'pending' });
    const written = readEvidenceResult({ status: 'partial', run: '20261122T031200Z-abcde', 'captured-at': '2026-11-22T03:12:00Z', location: 'pvc://airlock-evidence/INC-7/payments/p/20261122T031200Z-abcde', 'manifest-sha256': 'a'.repeat(64), files: '7', 'failed-steps': 'logs/app.log events.yaml' });
    assert.equal(written.state, 'written');
    assert.deepEqual(written.state === 'written' && written.failedSteps, ['logs/app.log', 'events.yaml']);
    assert.equal(readEvidenceResult({ status: 'complete', 'manifest-sha256': 'not-a-hash' }).state, 'unreadable');
    assert.equal(readEvidenceResult({ status: 'pwned' }).state, 'unreadable');
    assert.deepEqual(readProbeResult({}), { state: 'pending' });
    const probe = readProbeResult({ verdict: 'enforced', 'checked-at': '2026-11-22T03:13:00Z', checks: 'ingress 10.1.2.3:8080 blocked\negress 10.96.0.1:443 blocked\n', canary: 'payments/c (10.1.2.3)', rounds: '2' });
    assert.deepEqual(probe.state === 'written' && [probe.verdict, probe.checks.length, probe.rounds], ['enforced', 2, 2]);
    assert.equal(readProbeResult({ verdict: 'maybe' }).state, 'unreadable');
  });
});

describe('playbooks and the synth cache', () => {
  test('cryptominer and isolatePod capture a suspect pod last (so existing containment keeps its names), and no workload', () => {
    const pod = cryptominer({ namespace: 'payments', pod: 'checkout-1', image: `ghcr.io/acme/app@sha256:${'a'.repeat(64)}` });
    assert.deepEqual(pod.map((a) => a.kind), ['isolatePod', 'blockImages', 'captureEvidence']);
    assert.deepEqual(pod[2], { kind: 'captureEvidence', namespace: 'payments', pod: 'checkout-1', connections: true });
    assert.deepEqual(isolatePod({ namespace: 'payments', pod: 'checkout-1' }).map((a) => a.kind), ['isolatePod', 'captureEvidence']);
    assert.deepEqual(isolatePod({ namespace: 'payments', selector: { app: 'checkout' } }).map((a) => a.kind), ['isolateWorkload']);
  });

  test('editing a script invalidates the synth cache (the scripts are copied into dist/)', () => {
    const root = tempDir('airlock-cache-');
    fs.mkdirSync(path.join(root, 'src', 'scripts'), { recursive: true });
    fs.writeFileSync(path.join(root, 'src', 'scripts', 'capture.sh'), 'echo one\n');
    const before = environmentKey(root);
    fs.writeFileSync(path.join(root, 'src', 'scripts', 'capture.sh'), 'echo two\n');
    assert.notEqual(environmentKey(root), before);
  });
});
