/** `airlock new` and `airlock list` end to end. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { airlock, incidentSource, makeProject } from '../support/project';
import { generateIncidentSource, tsString } from '../../src/incident/generate-incident';
import { blockImages, isolate, overrideGuardrails } from '../../src';

describe('airlock new', () => {
  test('writes a readable incident that validates and synthesizes', () => {
    const root = makeProject({ incidents: {} });
    const result = airlock(root, [
      'new', 'INC-5', '--isolate', 'payments/checkout-1', '--isolate-workload', 'web:app=frontend,tier=edge', '--quarantine-namespace', 'ci',
      '--block-image', 'ghcr.io/acme/x@sha256:' + 'b'.repeat(64), '--severity', 'critical', '--owner', 'alice', '--opened-at', '2026-11-22T03:00:00Z', '--dns', 'none',
    ]);
    assert.equal(result.status, 0, result.stderr);
    const text = fs.readFileSync(path.join(root, 'incidents/INC-5.ts'), 'utf8');
    assert.match(text, /isolate\(\{ namespace: 'payments', pod: 'checkout-1', dns: 'none' \}\)/);
    assert.match(text, /selector: \{ app: 'frontend', tier: 'edge' \}/);
    assert.match(text, /quarantineNamespace\(\{ namespace: 'ci', dns: 'none' \}\)/);
    assert.equal(airlock(root, ['synth']).status, 0);
    assert.ok(fs.existsSync(path.join(root, 'dist/inc-5/networkpolicy-payments.airlock-inc-5-0-isolate-pod.yaml')));
  });

  test('without --owner or $USER, the owner is the git identity that will author the commit', () => {
    const root = makeProject({ incidents: {} });
    execFileSync('git', ['init', '--quiet'], { cwd: root });
    execFileSync('git', ['config', 'user.email', 'rae@example.test'], { cwd: root });
    const result = airlock(root, ['new', 'INC-6', '--isolate', 'payments/checkout-1'], { USER: '' });
    assert.equal(result.status, 0, result.stderr);
    assert.match(fs.readFileSync(path.join(root, 'incidents/INC-6.ts'), 'utf8'), /^  owner: 'rae@example\.test',$/m);
  });

  test('applies a playbook to each target, passing the image to playbooks that block it', () => {
    const root = makeProject({ incidents: {} });
    const image = 'ghcr.io/acme/x@sha256:' + 'c'.repeat(64);
    const result = airlock(root, ['new', 'INC-6', '--playbook', 'cryptominer', '--isolate', 'payments/checkout-1', '--block-image', image, '--opened-at', '2026-11-22T03:00:00Z']);
    assert.equal(result.status, 0, result.stderr);
    const text = fs.readFileSync(path.join(root, 'incidents/INC-6.ts'), 'utf8');
    assert.match(text, /import \{ cryptominer \} from '\.\.\/policies\/playbooks';/);
    assert.match(text, new RegExp(`\\.\\.\\.cryptominer\\(\\{ namespace: 'payments', pod: 'checkout-1', image: '${image.replace(/[.]/g, '\\.')}' \\}\\)`));
    assert.doesNotMatch(text, /blockImages\(/);
  });

  test('--inventory gives the playbook the pod\'s claims (named and ephemeral), so the evidence capture snapshots them', () => {
    const root = makeProject({ incidents: {} });
    const snapshot = path.join(root, 'pods.yaml');
    fs.writeFileSync(snapshot, [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- apiVersion: v1',
      '  kind: Pod',
      '  metadata: { name: checkout-1, namespace: payments }',
      '  spec:',
      '    containers: [{ name: app, image: ghcr.io/acme/checkout:1 }]',
      '    volumes:',
      '    - { name: data, persistentVolumeClaim: { claimName: checkout-data } }',
      '    - { name: scratch, ephemeral: { volumeClaimTemplate: { spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } } } } }',
      '    - { name: config, configMap: { name: checkout } }',
      '    - { name: again, persistentVolumeClaim: { claimName: checkout-data, readOnly: true } }',
      '- apiVersion: v1',
      '  kind: Pod',
      '  metadata: { name: checkout-1, namespace: staging }',
      '  spec: { containers: [{ name: app, image: x }], volumes: [{ name: d, persistentVolumeClaim: { claimName: other-namespace } }] }',
    ].join('\n'));
    const result = airlock(root, ['new', 'INC-8', '--playbook', 'isolatePod', '--isolate', 'payments/checkout-1', '--inventory', snapshot, '--opened-at', '2026-11-22T03:00:00Z']);
    assert.equal(result.status, 0, result.stderr);
    const text = fs.readFileSync(path.join(root, 'incidents/INC-8.ts'), 'utf8');
    assert.match(text, /\.\.\.isolatePod\(\{ namespace: 'payments', pod: 'checkout-1', volumes: \['checkout-1-scratch', 'checkout-data'\] \}\)/);
    assert.equal(airlock(root, ['synth']).status, 0);
    const snapshots = fs.readdirSync(path.join(root, 'dist/inc-8')).filter((f) => f.startsWith('volumesnapshot-'));
    assert.equal(snapshots.length, 2, snapshots.join(', '));
  });

  test('--inventory: a claim name in the snapshot that is not a Kubernetes name is refused with its field, and nothing is written', () => {
    const root = makeProject({ incidents: {} });
    const snapshot = path.join(root, 'pods.json');
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'payments' }, spec: { containers: [{ name: 'app', image: 'x' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: "data'); require('child_process').execSync('id'); ('" } }] } };
    fs.writeFileSync(snapshot, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pod] }));
    const result = airlock(root, ['new', 'INC-11', '--playbook', 'isolatePod', '--isolate', 'payments/web-0', '--inventory', snapshot]);
    assert.equal(result.status, 3, result.stderr);
    assert.match(result.stderr, /incidents\/INC-11\.ts[\s\S]*actions\[1\]\.volumes\[0\]/);
    assert.deepEqual(fs.readdirSync(path.join(root, 'incidents')), []);
  });

  test('--inventory without the pod warns and still writes the incident; without a playbook it is a usage error', () => {
    const root = makeProject({ incidents: {} });
    const snapshot = path.join(root, 'empty.yaml');
    fs.writeFileSync(snapshot, 'apiVersion: v1\nkind: List\nitems: []\n');
    const result = airlock(root, ['new', 'INC-9', '--playbook', 'isolatePod', '--isolate', 'payments/gone-1', '--inventory', snapshot]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /warning: pod payments\/gone-1 is not in .*empty\.yaml/);
    assert.doesNotMatch(fs.readFileSync(path.join(root, 'incidents/INC-9.ts'), 'utf8'), /volumes/);
    const bare = airlock(root, ['new', 'INC-10', '--isolate', 'payments/gone-1', '--inventory', snapshot]);
    assert.equal(bare.status, 2);
    assert.match(bare.stderr, /--inventory hands each --isolate pod's volumes to a playbook/);
  });

  test('refuses to overwrite an existing incident, whatever the case of its id', () => {
    const root = makeProject({ incidents: {} });
    assert.equal(airlock(root, ['new', 'INC-7', '--quarantine-namespace', 'a']).status, 0);
    const before = fs.readFileSync(path.join(root, 'incidents/INC-7.ts'), 'utf8');
    const result = airlock(root, ['new', 'inc-7', '--quarantine-namespace', 'b']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /already exists/);
    assert.equal(fs.readFileSync(path.join(root, 'incidents/INC-7.ts'), 'utf8'), before);
    assert.deepEqual(fs.readdirSync(path.join(root, 'incidents')), ['INC-7.ts']);
  });

  test('refuses invalid targets with the field named and writes nothing', () => {
    const root = makeProject({ incidents: {} });
    const result = airlock(root, ['new', 'INC-8', '--isolate', 'kube-system/coredns-1']);
    assert.equal(result.status, 3);
    assert.match(result.stderr, /incidents\/INC-8\.ts actions\[0\]\.namespace: "kube-system" is a protected namespace/);
    assert.deepEqual(fs.readdirSync(path.join(root, 'incidents')), []);
  });

  test('a protected namespace is refused with a hint that names --override', () => {
    const root = makeProject({ incidents: {} });
    const result = airlock(root, ['new', 'INC-8', '--quarantine-namespace', 'kube-system']);
    assert.equal(result.status, 3);
    assert.match(result.stderr, /accepted: another namespace, or add override: \{ reason: "\.\.\." \} to this action \(airlock new: --override REASON\)/);
  });

  test('--override contains targets in protected namespaces, and only those carry the reason', () => {
    const root = makeProject({ incidents: {} });
    const reason = 'CoreDNS pod runs a reverse shell, SEC-4300';
    const result = airlock(root, ['new', 'INC-8', '--playbook', 'isolatePod', '--isolate', 'kube-system/coredns-1', '--isolate', 'payments/checkout-1', '--override', reason, '--json']);
    assert.equal(result.status, 0, result.stderr);
    const text = fs.readFileSync(path.join(root, 'incidents/INC-8.ts'), 'utf8');
    assert.match(text, /^    \.\.\.overrideGuardrails\('CoreDNS pod runs a reverse shell, SEC-4300', isolatePod\(\{ namespace: 'kube-system', pod: 'coredns-1' \}\)\),$/m);
    assert.match(text, /^    \.\.\.isolatePod\(\{ namespace: 'payments', pod: 'checkout-1' \}\),$/m);
    const actions = JSON.parse(result.stdout).actions as Array<{ namespace?: string; override?: { reason: string } }>;
    assert.ok(actions.some((a) => a.namespace === 'kube-system'));
    for (const a of actions) assert.deepEqual(a.override, a.namespace === 'kube-system' ? { reason } : undefined, JSON.stringify(a));
    assert.equal(airlock(root, ['synth']).status, 0);
    assert.ok(fs.existsSync(path.join(root, 'dist/inc-8/networkpolicy-kube-system.airlock-inc-8-0-isolate-pod.yaml')));
  });

  test('--override without a target in a protected namespace is a usage error, and nothing is written', () => {
    const root = makeProject({ incidents: {} });
    const result = airlock(root, ['new', 'INC-8', '--isolate', 'payments/checkout-1', '--override', 'just in case']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--override is for targets in protected namespaces, and none of the targets is in one; protected \(policies\/guardrails\.ts\): kube-system, /);
    assert.deepEqual(fs.readdirSync(path.join(root, 'incidents')), []);
  });

  test('refuses an unknown playbook, listing the known ones', () => {
    const root = makeProject({ incidents: {} });
    const result = airlock(root, ['new', 'INC-9', '--playbook', 'nuke', '--isolate', 'a/b']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /accepted: cryptominer, exfiltration, isolatePod/);
  });

  test('unknown flags are usage errors (exit 2)', () => {
    assert.equal(airlock(makeProject({ incidents: {} }), ['new', 'INC-1', '--isolate-pod', 'a/b']).status, 2);
  });
});

describe('generated source', () => {
  test('string values are escaped literals: quotes and line breaks cannot inject code', () => {
    const hostile = "x', actions: [] }); process.exit(1); ({ a: '\n";
    const text = generateIncidentSource({ id: 'INC-1', title: hostile, severity: 'low', owner: 'o', openedAt: '2026-11-22T03:00:00Z', namespaces: ['a'] });
    assert.match(text, new RegExp(`title: ${tsString(hostile).replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')},`));
    assert.equal(text.split('\n').filter((l) => l.includes('process.exit')).length, 1);
    assert.doesNotMatch(text, /title: 'x', actions/);
  });

  test('an override reason is an escaped literal too', () => {
    const hostile = "x', []), process.exit(1), ...overrideGuardrails('";
    const text = generateIncidentSource({ id: 'INC-1', title: 't', severity: 'low', owner: 'o', openedAt: '2026-11-22T03:00:00Z', namespaces: ['kube-system'], override: { reason: hostile, namespaces: ['kube-system'] } });
    assert.ok(text.includes(`...overrideGuardrails(${tsString(hostile)}, [quarantineNamespace({ namespace: 'kube-system' })]),`));
  });
});

describe('overrideGuardrails', () => {
  test('gives every action in a namespace the reason, and leaves image blocks as they are', () => {
    const actions = overrideGuardrails('r', [isolate({ namespace: 'kube-system', pod: 'p' }), blockImages({ images: ['x@sha256:' + 'a'.repeat(64)], reason: 'b' })]);
    assert.deepEqual(actions.map((a) => ('override' in a ? a.override : undefined)), [{ reason: 'r' }, undefined]);
  });
});

describe('airlock list', () => {
  test('lists every incident with status and actions, as JSON too', () => {
    const result = airlock(makeProject(), ['list', '--json']);
    assert.equal(result.status, 0, result.stderr);
    const rows = JSON.parse(result.stdout) as Array<{ id: string; status: string; actions: string[] }>;
    assert.deepEqual(rows.map((r) => `${r.id} ${r.status}`), ['INC-2026-0101 lifted', 'INC-2026-0142 active', 'INC-2026-0143 active', 'INC-2026-0144 active']);
    assert.deepEqual(rows[1].actions, ['isolate payments/checkout-7d9f8c-x2x4k', 'block 1 image', 'capture evidence of payments/checkout-7d9f8c-x2x4k']);
  });

  test('marks active incidents past their expiry, and says how to lift them', () => {
    const root = makeProject({
      incidents: {
        'INC-1.ts': incidentSource('INC-1', `isolate({ namespace: 'payments', pod: 'checkout-1' })`, "\n  expiresAt: '2026-11-23T03:12:00Z',"),
        'INC-2.ts': incidentSource('INC-2', `isolate({ namespace: 'payments', pod: 'checkout-2' })`, "\n  expiresAt: '2099-01-01T00:00:00Z',"),
        'INC-3.ts': incidentSource('INC-3', `isolate({ namespace: 'payments', pod: 'checkout-3' })`, "\n  status: 'lifted',\n  expiresAt: '2026-11-23T03:12:00Z',"),
      },
    });
    const rows = JSON.parse(airlock(root, ['list', '--json']).stdout) as Array<{ id: string; pastExpiry: boolean }>;
    assert.deepEqual(rows.map((r) => `${r.id} ${r.pastExpiry}`), ['INC-1 true', 'INC-2 false', 'INC-3 false'], 'a lifted incident is not overdue');
    const text = airlock(root, ['list']).stdout;
    assert.match(text, /^INC-1 +active +high +2026-11-23T03:12:00Z \(past\) /m);
    assert.match(text, /^INC-2 +active +high +2099-01-01T00:00:00Z +Test/m);
    assert.match(text, /\n1 active incident is past expiry: `airlock expire` proposes the lifts\n$/);
  });
});
