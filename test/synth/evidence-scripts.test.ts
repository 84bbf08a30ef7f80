/**
 * The static scripts of the capture and probe Jobs, run for real under `sh` with stand-ins for `kubectl`,
 * `nc`, `aws` and `sleep` on the PATH (no cluster in tests; `kubectl create configmap --dry-run=client` is the
 * real kubectl, which needs none): argument handling, hostile pod, container and namespace names and uids,
 * the evidence layout and its hash manifest (checked with `sha256sum -c`), the result ConfigMaps, and every
 * verdict of the probe. Also `sh -n`, and `shellcheck` when it is installed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { SCRIPT_NAMES, scriptPath, scriptText } from '../../src/synth/evidence';
import { tempDir } from '../support/temp-dir';

const DIGEST = `sha256:${'e'.repeat(64)}`;
const KUBECTL = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();

/** A stand-in kubectl: records each call (one argument per line, then `--`) and answers from the fixture dir. */
const FAKE_KUBECTL = `#!/bin/sh
d=\${FAKE_DIR:?}
printf '%s\\0' "$@" '<<end>>' >>"$d/calls"
[ "$1" = "--request-timeout=30s" ] && shift
all=" $* "
case $all in
  *" create configmap "*) exec "$REAL_KUBECTL" "$@" ;;
  *" apply "*) cat >"$d/applied.yaml"; exit 0 ;;
  *" create --filename - "*) cat >"$d/canary-created.json"; exit "\${FAKE_CREATE_STATUS:-0}" ;;
  *" debug "*) exit "\${FAKE_DEBUG_STATUS:-0}" ;;
  *"jsonpath={.metadata.uid}"*) printf '%s' "\${FAKE_UID-0a1b2c3d-0000-4000-8000-000000000001}" ;;
  *"jsonpath={.status.phase} {.status.podIP}"*) printf '%s' "\${FAKE_CANARY_STATE-Running 10.1.2.3}" ;;
  *" --ignore-not-found --output name "*) ;;
  *" delete pod "*) ;;
  *" get pod "*" --output yaml "*) if [ "\${FAKE_POD:-present}" = present ]; then printf 'apiVersion: v1\\nkind: Pod\\nmetadata:\\n  name: suspect\\n'; fi ;;
  *" get events "*) printf 'apiVersion: v1\\nitems: []\\nkind: List\\n' ;;
  *"jsonpath={range .status.initContainerStatuses"*) printf 'container\\tapp\\tghcr.io/acme/app:1\\tghcr.io/acme/app@sha256:%s\\n' "$FAKE_IMAGE_HEX" ;;
  *"jsonpath={range .spec.initContainers"*) cat "$d/containers" ;;
  *"jsonpath={.spec.containers[0].name}"*) head -n 1 "$d/containers" ;;
  *"ephemeralContainerStatuses[?(@.name=="*) printf 'Completed' ;;
  *" logs "*" --tail=500 "*) cat "$d/canary.log" ;;
  *" logs "*" --previous "*)
    case $all in
      *" --container app "*) echo 'previous instance of app' ;;
      *) echo 'previous terminated container not found' >&2; exit 1 ;;
    esac ;;
  *" logs "*" --container airlock-"*) printf '===== ps\\n1 xmrig --url stratum+tcp://pool\\n' ;;
  *" logs "*) echo 'a log line' ;;
  *) echo "fake kubectl: unexpected call: $*" >&2; exit 99 ;;
esac
`;

/** A stand-in nc: `-z` probes succeed when FAKE_CONTROL=reachable; a data connection echoes when FAKE_INGRESS=open. */
const FAKE_NC = `#!/bin/sh
printf '%s\\0' "$@" '<<end>>' >>"\${FAKE_DIR:?}/nc-calls"
case " $* " in
  *" -l"*) exec /bin/sleep 30 ;;
  *" -z "*) [ "\${FAKE_CONTROL:-reachable}" = reachable ]; exit $? ;;
  *" 127.0.0.1 "*) cat; exit 0 ;;
  *) if [ "\${FAKE_INGRESS:-blocked}" = open ]; then cat; else cat >/dev/null; fi; exit 0 ;;
esac
`;

const FAKE_AWS = `#!/bin/sh
printf '%s\\0' "$@" '<<end>>' >>"\${FAKE_DIR:?}/aws-calls"
exit "\${FAKE_AWS_STATUS:-0}"
`;

interface Sandbox {
  readonly dir: string;
  readonly bin: string;
  readonly root: string;
  env(extra: Record<string, string>): NodeJS.ProcessEnv;
  calls(file?: string): string[][];
  read(file: string): string;
}

function sandbox(containers = 'init-db\napp\nsidecar\n'): Sandbox {
  const dir = tempDir('airlock-scripts-');
  const bin = path.join(dir, 'bin');
  const root = path.join(dir, 'evidence');
  fs.mkdirSync(bin);
  fs.mkdirSync(root);
  const tool = (name: string, text: string): void => fs.writeFileSync(path.join(bin, name), text, { mode: 0o755 });
  tool('kubectl', FAKE_KUBECTL);
  tool('nc', FAKE_NC);
  tool('aws', FAKE_AWS);
  tool('sleep', '#!/bin/sh\nexec /bin/sleep 0.05\n');
  tool('nslookup', '#!/bin/sh\n[ "${FAKE_DNS:-resolved}" = resolved ]\n');
  fs.writeFileSync(path.join(dir, 'containers'), containers);
  return {
    dir,
    bin,
    root,
    env: (extra) => ({ PATH: `${bin}:/usr/bin:/bin`, HOME: dir, TMPDIR: dir, FAKE_DIR: dir, REAL_KUBECTL: KUBECTL, FAKE_IMAGE_HEX: 'a'.repeat(64), ...extra }),
    calls: (file = 'calls') => {
      const p = path.join(dir, file);
      if (!fs.existsSync(p)) return [];
      const calls: string[][] = [[]];
      for (const arg of fs.readFileSync(p, 'utf8').split('\0').slice(0, -1)) {
        if (arg === '<<end>>') calls.push([]);
        else calls[calls.length - 1].push(arg);
      }
      return calls.slice(0, -1);
    },
    read: (file) => fs.readFileSync(path.join(dir, file), 'utf8'),
  };
}

function run(script: string, env: NodeJS.ProcessEnv, cwd: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('sh', [scriptPath(script as never)], { env, cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under a directory, relative. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, prefix: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name), `${prefix}${e.name}/`);
      else out.push(`${prefix}${e.name}`);
    }
  };
  walk(dir, '');
  return out.sort();
}

describe('the scripts parse', () => {
  for (const name of SCRIPT_NAMES) {
    test(`${name}: sh -n`, () => {
      const r = spawnSync('sh', ['-n', scriptPath(name)], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    });
  }
  const shellcheck = spawnSync('sh', ['-c', 'command -v shellcheck'], { encoding: 'utf8' }).stdout.trim();
  test('shellcheck finds nothing (skipped when shellcheck is not installed)', { skip: shellcheck === '' ? 'shellcheck is not installed' : false }, () => {
    const r = spawnSync(shellcheck, ['-s', 'sh', ...SCRIPT_NAMES.map(scriptPath)], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});

describe('capture.sh', () => {
  const base = (s: Sandbox, extra: Record<string, string> = {}): NodeJS.ProcessEnv =>
    s.env({
      AIRLOCK_INCIDENT: 'INC-7',
      AIRLOCK_NAMESPACE: 'payments',
      AIRLOCK_POD: 'checkout-7d9f8c-x2x4k',
      AIRLOCK_CAPTURE_LOGS: 'true',
      AIRLOCK_CAPTURE_CONNECTIONS: 'true',
      AIRLOCK_CONTAINER: 'app',
      AIRLOCK_DEBUG_IMAGE: `registry.acme.internal/toolbox@${DIGEST}`,
      AIRLOCK_DEBUG_PROFILE: 'restricted',
      AIRLOCK_INSPECT_SCRIPT: scriptPath('inspect.sh'),
      AIRLOCK_TIMEOUT_SECONDS: '10',
      AIRLOCK_DESTINATION: 'pvc',
      AIRLOCK_PVC_CLAIM: 'airlock-evidence',
      AIRLOCK_OUTPUT_ROOT: s.root,
      AIRLOCK_RESULT_CONFIGMAP: 'airlock-inc-7-0-evidence',
      AIRLOCK_RESULT_NAMESPACE: 'airlock-system',
      AIRLOCK_FAIL_ON_ERROR: 'false',
      AIRLOCK_JOB_POD: 'airlock-inc-7-0-capture-x7k2p',
      ...extra,
    });

  test('writes the run folder, a SHA256SUMS that verifies, the result ConfigMap and one summary line', () => {
    const s = sandbox();
    const r = run('capture.sh', base(s), s.dir);
    assert.equal(r.status, 0, r.stderr);
    const [runDir] = fs.readdirSync(path.join(s.root, 'INC-7', 'payments', 'checkout-7d9f8c-x2x4k'));
    assert.match(runDir, /^\d{8}T\d{6}Z-x7k2p$/);
    const folder = path.join(s.root, 'INC-7', 'payments', 'checkout-7d9f8c-x2x4k', runDir);
    assert.deepEqual(tree(folder), ['SHA256SUMS', 'capture.log', 'events.yaml', 'images.tsv', 'logs/app.log', 'logs/app.previous.log', 'logs/init-db.log', 'logs/sidecar.log', 'pod.yaml', 'processes-and-sockets.txt']);
    // The manifest: sha256sum format, sorted, every file but itself, verifiable in place.
    const sums = fs.readFileSync(path.join(folder, 'SHA256SUMS'), 'utf8');
    assert.deepEqual(sums.trim().split('\n').map((l) => l.replace(/^[0-9a-f]{64} {2}/, '')), tree(folder).filter((f) => f !== 'SHA256SUMS'));
    const check = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: folder, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.equal(fs.readFileSync(path.join(folder, 'images.tsv'), 'utf8'), `kind\tcontainer\timage\timageID\ncontainer\tapp\tghcr.io/acme/app:1\tghcr.io/acme/app@sha256:${'a'.repeat(64)}\n`);
    assert.match(fs.readFileSync(path.join(folder, 'processes-and-sockets.txt'), 'utf8'), /xmrig/);
    // The result ConfigMap, produced by the real `kubectl create configmap --dry-run=client` and applied server-side.
    const applied = parse(s.read('applied.yaml')) as { metadata: { name: string; namespace: string }; data: Record<string, string> };
    assert.deepEqual([applied.metadata.name, applied.metadata.namespace], ['airlock-inc-7-0-evidence', 'airlock-system']);
    const manifestSha = spawnSync('sha256sum', ['SHA256SUMS'], { cwd: folder, encoding: 'utf8' }).stdout.split(' ')[0];
    assert.equal(applied.data.status, 'complete');
    assert.equal(applied.data['manifest-sha256'], manifestSha);
    assert.equal(applied.data.files, '9');
    assert.equal(applied.data.location, `pvc://airlock-evidence/INC-7/payments/checkout-7d9f8c-x2x4k/${runDir}`);
    assert.equal(applied.data['failed-steps'] ?? '', '');
    assert.match(r.stdout, new RegExp(`^airlock-capture incident=INC-7 pod=payments/checkout-7d9f8c-x2x4k status=complete run=${runDir} location=pvc://\\S+ manifest-sha256=${manifestSha} files=9 failed=\\n$`));
    // The debug container: the forensic image by digest, the target container, the restricted profile, and the
    // static inspect program as one argument.
    const debug = s.calls().find((c) => c.includes('debug'))!;
    for (const [flag, value] of [['--image', `registry.acme.internal/toolbox@${DIGEST}`], ['--target', 'app'], ['--profile', 'restricted'], ['--namespace', 'payments']]) {
      assert.equal(debug[debug.indexOf(flag) + 1], value, flag);
    }
    // `$(cat file)` drops the final newline; the program is otherwise the file, as one argument after `--`.
    assert.deepEqual(debug.slice(-4), ['--', 'sh', '-c', scriptText('inspect.sh').replace(/\n+$/, '')]);
    assert.ok(s.calls().every((c) => c[0] === '--request-timeout=30s'), 'every API call is bounded');
  });

  test('a pod that is gone: events only, status pod-not-found, exit 0', () => {
    const s = sandbox();
    const r = run('capture.sh', base(s, { FAKE_POD: 'missing' }), s.dir);
    assert.equal(r.status, 0, r.stderr);
    const applied = parse(s.read('applied.yaml')) as { data: Record<string, string> };
    assert.equal(applied.data.status, 'pod-not-found');
    assert.ok(!s.calls().some((c) => c.includes('logs') || c.includes('debug')));
  });

  test('a failed step is recorded (partial) and fails the Job only with AIRLOCK_FAIL_ON_ERROR', () => {
    const lenient = sandbox();
    assert.equal(run('capture.sh', base(lenient, { FAKE_DEBUG_STATUS: '1' }), lenient.dir).status, 0);
    const data = (parse(lenient.read('applied.yaml')) as { data: Record<string, string> }).data;
    assert.deepEqual([data.status, data['failed-steps']], ['partial', 'processes-and-sockets.txt']);
    const strict = sandbox();
    const r = run('capture.sh', base(strict, { FAKE_DEBUG_STATUS: '1', AIRLOCK_FAIL_ON_ERROR: 'true' }), strict.dir);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /status=partial .*failed=processes-and-sockets\.txt/);
  });

  test('a destination it cannot write to: status failed, nothing half-written, exit 1 only when strict', () => {
    const s = sandbox();
    fs.writeFileSync(path.join(s.root, 'INC-7'), 'a file where the incident folder would go');
    const r = run('capture.sh', base(s, { AIRLOCK_FAIL_ON_ERROR: 'true' }), s.dir);
    assert.equal(r.status, 1);
    assert.equal((parse(s.read('applied.yaml')) as { data: Record<string, string> }).data.status, 'failed');
    assert.ok(!s.calls().some((c) => c.includes('debug')), 'no debug container when nothing can be kept');
  });

  test('an S3 destination: uploads the folder, the manifest last, and records the s3:// location', () => {
    const s = sandbox();
    const env = base(s, { AIRLOCK_DESTINATION: 's3', AIRLOCK_S3_ENDPOINT: 'https://s3.eu-west-1.amazonaws.com', AIRLOCK_S3_BUCKET: 'acme-legal-hold', AIRLOCK_S3_PREFIX: 'airlock/', AIRLOCK_CAPTURE_CONNECTIONS: 'false' });
    const r = run('capture.sh', env, s.dir);
    assert.equal(r.status, 0, r.stderr);
    const aws = s.calls('aws-calls');
    assert.equal(aws.length, 2);
    assert.deepEqual(aws[0].slice(0, 6), ['--endpoint-url', 'https://s3.eu-west-1.amazonaws.com', 's3', 'cp', '--recursive', '--only-show-errors']);
    assert.ok(aws[0].includes('SHA256SUMS') && aws[0][aws[0].indexOf('--exclude') + 1] === 'SHA256SUMS', 'the folder first, without its manifest');
    assert.match(aws[1][aws[1].length - 1], /^s3:\/\/acme-legal-hold\/airlock\/INC-7\/payments\/checkout-7d9f8c-x2x4k\/\d{8}T\d{6}Z-x7k2p\/SHA256SUMS$/);
    assert.match((parse(s.read('applied.yaml')) as { data: Record<string, string> }).data.location, /^s3:\/\/acme-legal-hold\/airlock\/INC-7\//);
    const failed = sandbox();
    run('capture.sh', { ...env, ...failed.env({}), AIRLOCK_OUTPUT_ROOT: failed.root, FAKE_AWS_STATUS: '1' }, failed.dir);
    assert.equal((parse(failed.read('applied.yaml')) as { data: Record<string, string> }).data.status, 'failed');
  });

  test('container names the API returns are checked before they name a file: hostile ones are skipped', () => {
    const s = sandbox('app\n../../../escape\n$(touch PWNED)\nname;id\n');
    const r = run('capture.sh', base(s, { AIRLOCK_CAPTURE_CONNECTIONS: 'false' }), s.dir);
    assert.equal(r.status, 0, r.stderr);
    const [runDir] = fs.readdirSync(path.join(s.root, 'INC-7', 'payments', 'checkout-7d9f8c-x2x4k'));
    const files = tree(path.join(s.root, 'INC-7', 'payments', 'checkout-7d9f8c-x2x4k', runDir));
    assert.deepEqual(files.filter((f) => f.startsWith('logs/')), ['logs/app.log', 'logs/app.previous.log']);
    assert.deepEqual(tree(s.root).filter((f) => !f.startsWith('INC-7/payments/checkout-7d9f8c-x2x4k/')), []);
    assert.ok(!fs.existsSync(path.join(s.dir, 'PWNED')));
    assert.match((parse(s.read('applied.yaml')) as { data: Record<string, string> }).data['failed-steps'], /logs-of-an-unexpected-container-name/);
  });

  const HOSTILE: Array<[string, Record<string, string>]> = [
    ['a pod name with a command substitution', { AIRLOCK_POD: 'x$(touch PWNED)' }],
    ['a pod name with a space', { AIRLOCK_POD: 'checkout 1' }],
    ['a pod name that climbs directories', { AIRLOCK_POD: '../../etc' }],
    ['a pod name that looks like a flag', { AIRLOCK_POD: '-rf' }],
    ['a pod name with a line break', { AIRLOCK_POD: 'a\nb' }],
    ['a namespace with a semicolon', { AIRLOCK_NAMESPACE: 'payments;id' }],
    ['an incident id with backquotes', { AIRLOCK_INCIDENT: 'INC-`touch PWNED`' }],
    ['a container name with a glob', { AIRLOCK_CONTAINER: 'app*' }],
    ['a debug image by tag', { AIRLOCK_DEBUG_IMAGE: 'registry.acme.internal/toolbox:latest' }],
    ['a debug image with a quote', { AIRLOCK_DEBUG_IMAGE: `registry'/toolbox@${DIGEST}` }],
    ['an unknown debug profile', { AIRLOCK_DEBUG_PROFILE: 'sysadmin' }],
    ['a boolean that is not one', { AIRLOCK_CAPTURE_LOGS: 'yes' }],
    ['a relative output root', { AIRLOCK_OUTPUT_ROOT: 'evidence' }],
    ['an S3 prefix that climbs', { AIRLOCK_DESTINATION: 's3', AIRLOCK_S3_ENDPOINT: 'https://s3.example.com', AIRLOCK_S3_BUCKET: 'b', AIRLOCK_S3_PREFIX: '../x/' }],
    ['an S3 endpoint with a command', { AIRLOCK_DESTINATION: 's3', AIRLOCK_S3_ENDPOINT: 'https://s3.example.com/$(id)', AIRLOCK_S3_BUCKET: 'b' }],
    ['a result ConfigMap name with a slash', { AIRLOCK_RESULT_CONFIGMAP: 'a/b' }],
    ['no pod at all', { AIRLOCK_POD: '' }],
  ];
  for (const [what, extra] of HOSTILE) {
    test(`refuses ${what}: exit 2, no API call, nothing written`, () => {
      const s = sandbox();
      const r = run('capture.sh', base(s, extra), s.dir);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /^airlock-capture: refusing AIRLOCK_[A-Z0-9_]+: /);
      assert.deepEqual(s.calls(), []);
      assert.deepEqual(tree(s.root), []);
      assert.ok(!fs.existsSync(path.join(s.dir, 'PWNED')));
    });
  }
});

describe('probe.sh', () => {
  const CANARY_OK = [
    'airlock-canary round=1 check=listen result=ok',
    'airlock-canary round=1 check=egress target=10.96.0.1:443 result=blocked',
    'airlock-canary round=1 check=egress target=203.0.113.10:443 result=blocked',
    'airlock-canary round=1 check=dns name=kubernetes.default.svc.cluster.local result=resolved',
    'airlock-canary round=1 end',
  ];
  const probe = (canaryLog: readonly string[], extra: Record<string, string> = {}): { s: Sandbox; r: ReturnType<typeof run>; result: Record<string, string> | undefined } => {
    const s = sandbox();
    const manifest = path.join(s.dir, 'canary.json');
    fs.writeFileSync(manifest, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { ownerReferences: [{ uid: '__AIRLOCK_ANCHOR_UID__' }] } }));
    fs.writeFileSync(path.join(s.dir, 'canary.log'), `${canaryLog.join('\n')}\n`);
    const env = s.env({
      AIRLOCK_INCIDENT: 'INC-7',
      AIRLOCK_ACTION_INDEX: '1',
      AIRLOCK_NAMESPACE: 'payments',
      AIRLOCK_CANARY: 'airlock-inc-7-1-canary',
      AIRLOCK_CANARY_MANIFEST: manifest,
      AIRLOCK_ANCHOR: 'airlock-inc-7-1-probe-anchor',
      AIRLOCK_PORT: '8080',
      AIRLOCK_CHECK_INGRESS: 'true',
      AIRLOCK_EGRESS_TARGETS: '203.0.113.10:443',
      AIRLOCK_EGRESS_ALLOWS: '',
      AIRLOCK_DNS_NAME: 'kubernetes.default.svc.cluster.local',
      AIRLOCK_DNS_EXPECT: 'resolve',
      AIRLOCK_TIMEOUT_SECONDS: '2',
      AIRLOCK_RESULT_CONFIGMAP: 'airlock-inc-7-1-probe',
      AIRLOCK_RESULT_NAMESPACE: 'airlock-system',
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      ...extra,
    });
    const r = run('probe.sh', env, s.dir);
    const result = fs.existsSync(path.join(s.dir, 'applied.yaml')) ? (parse(s.read('applied.yaml')) as { data: Record<string, string> }).data : undefined;
    return { s, r, result };
  };

  test('enforced: exit 0, the verdict and every check in the log and the result ConfigMap, the canary created with its owner and deleted', () => {
    const { s, r, result } = probe(CANARY_OK);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(result!.verdict, 'enforced');
    assert.equal(result!.checks, 'ingress 10.1.2.3:8080 blocked\negress 10.96.0.1:443 blocked\negress 203.0.113.10:443 blocked\ndns kubernetes.default.svc.cluster.local resolved (the profile allows DNS)\n');
    assert.equal(result!.canary, 'payments/airlock-inc-7-1-canary (10.1.2.3)');
    assert.equal(result!.rounds, '1');
    assert.match(r.stdout, /^airlock-probe incident=INC-7 action=1 namespace=payments verdict=enforced rounds=1\n {2}ingress 10\.1\.2\.3:8080 blocked\n/);
    const created = JSON.parse(s.read('canary-created.json')) as { metadata: { ownerReferences: Array<{ uid: string }> } };
    assert.equal(created.metadata.ownerReferences[0].uid, '0a1b2c3d-0000-4000-8000-000000000001');
    const deletes = s.calls().filter((c) => c.includes('delete'));
    assert.ok(deletes.length >= 2, 'a leftover canary is deleted first, and the canary after the verdict');
    // The ingress check sent a token to the canary's echo server; the controls were tried from the Job.
    const nc = s.calls('nc-calls');
    assert.ok(nc.some((c) => c.join(' ') === '-w 3 10.1.2.3 8080'));
    assert.ok(nc.some((c) => c.join(' ') === '-z -w 2 10.96.0.1 443'));
  });

  test('ingress reaching the canary: not-enforced, exit 1', () => {
    const { r, result } = probe(CANARY_OK, { FAKE_INGRESS: 'open' });
    assert.equal(r.status, 1);
    assert.equal(result!.verdict, 'not-enforced');
    assert.match(result!.checks, /^ingress 10\.1\.2\.3:8080 open/m);
  });

  test('egress getting out of the canary: not-enforced', () => {
    const { r, result } = probe(CANARY_OK.map((l) => l.replace('203.0.113.10:443 result=blocked', '203.0.113.10:443 result=open')));
    assert.equal(r.status, 1);
    assert.equal(result!.verdict, 'not-enforced');
    assert.match(result!.checks, /^egress 203\.0\.113\.10:443 open/m);
  });

  test('DNS the profile allows does not resolve: dns-broken; DNS that profile none must cut resolves: not-enforced', () => {
    const broken = probe(CANARY_OK.map((l) => l.replace('result=resolved', 'result=failed')));
    assert.equal(broken.result!.verdict, 'dns-broken');
    assert.equal(broken.r.status, 1);
    const leaking = probe(CANARY_OK, { AIRLOCK_DNS_EXPECT: 'blocked' });
    assert.equal(leaking.result!.verdict, 'not-enforced');
  });

  test('a target the Job cannot reach either proves nothing: inconclusive', () => {
    const { r, result } = probe(CANARY_OK, { FAKE_CONTROL: 'unreachable' });
    assert.equal(r.status, 1);
    assert.equal(result!.verdict, 'inconclusive');
    assert.match(result!.checks, /unproven \(unreachable from this Job too\)/);
  });

  test('a target an egress allow covers is not checked (the API service inside an allowed range), excepts honoured', () => {
    const open = CANARY_OK.map((l) => l.replace('10.96.0.1:443 result=blocked', '10.96.0.1:443 result=open'));
    const covered = probe(open, { AIRLOCK_EGRESS_ALLOWS: '10.0.0.0/8!10.99.0.0/16@443,8000-8100 192.168.0.0/16@all' });
    assert.equal(covered.result!.verdict, 'enforced', covered.result!.checks);
    assert.match(covered.result!.checks, /^egress 10\.96\.0\.1:443 not-checked \(the action allows 10\.0\.0\.0\/8\)$/m);
    const excepted = probe(open, { AIRLOCK_EGRESS_ALLOWS: '10.0.0.0/8!10.96.0.0/12@443' });
    assert.equal(excepted.result!.verdict, 'not-enforced', 'inside an except: still must be cut');
    const otherPort = probe(open, { AIRLOCK_EGRESS_ALLOWS: '10.0.0.0/8@5432' });
    assert.equal(otherPort.result!.verdict, 'not-enforced', 'another port: still must be cut');
  });

  test('a canary that never runs, or that the API server refuses: inconclusive, exit 1', () => {
    const pending = probe(CANARY_OK, { FAKE_CANARY_STATE: 'Pending ' });
    assert.equal(pending.result!.verdict, 'inconclusive');
    assert.match(pending.result!.checks, /^canary not-started phase Pending$/m);
    const refused = probe(CANARY_OK, { FAKE_CREATE_STATUS: '1' });
    assert.equal(refused.r.status, 1);
    assert.match(refused.result!.checks, /^canary not-started the API server refused it/m);
  });

  test('an owner uid that is not a uid is never spliced into the manifest', () => {
    for (const uid of ['x/;s/.*/evil/', '$(touch PWNED)', '']) {
      const { s, r, result } = probe(CANARY_OK, { FAKE_UID: uid });
      assert.equal(r.status, 1);
      assert.equal(result!.verdict, 'inconclusive');
      assert.ok(!fs.existsSync(path.join(s.dir, 'canary-created.json')), 'no canary created');
      assert.ok(!fs.existsSync(path.join(s.dir, 'PWNED')));
    }
  });

  const HOSTILE: Array<[string, Record<string, string>]> = [
    ['a namespace with a command substitution', { AIRLOCK_NAMESPACE: 'payments$(touch PWNED)' }],
    ['a canary name with a space', { AIRLOCK_CANARY: 'a b' }],
    ['egress targets with a semicolon', { AIRLOCK_EGRESS_TARGETS: '203.0.113.10:443;id' }],
    ['egress allows with a command', { AIRLOCK_EGRESS_ALLOWS: '10.0.0.0/8@$(id)' }],
    ['a DNS name with a quote', { AIRLOCK_DNS_NAME: "kubernetes'.default" }],
    ['an unknown DNS expectation', { AIRLOCK_DNS_EXPECT: 'maybe' }],
    ['a port that is not a number', { AIRLOCK_PORT: '80 -e sh' }],
    ['an action index that is not a number', { AIRLOCK_ACTION_INDEX: '1;id' }],
  ];
  for (const [what, extra] of HOSTILE) {
    test(`refuses ${what}: exit 2, no API call`, () => {
      const { s, r } = probe(CANARY_OK, extra);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /^airlock-probe: refusing AIRLOCK_[A-Z_]+: /);
      assert.deepEqual(s.calls(), []);
      assert.ok(!fs.existsSync(path.join(s.dir, 'PWNED')));
    });
  }
});

describe('canary.sh', () => {
  /** Runs the canary (an endless loop) in its own process group until its first round ends, then kills the group. */
  async function firstRound(env: NodeJS.ProcessEnv, cwd: string): Promise<{ stdout: string; status: number | null }> {
    const child = spawn('sh', [scriptPath('canary.sh')], { env, cwd, detached: true });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    const deadline = Date.now() + 10_000;
    while (!/round=1 end\n/.test(stdout) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    const status = await done;
    return { stdout, status: child.exitCode ?? status };
  }

  test('reports every check of a round in the documented format, the API service first, IPv6 in brackets', async () => {
    const s = sandbox();
    const env = s.env({ AIRLOCK_PORT: '8080', AIRLOCK_EGRESS_TARGETS: '203.0.113.10:443 [2001:db8::10]:443', AIRLOCK_DNS_NAME: 'kubernetes.default.svc.cluster.local', KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443', FAKE_CONTROL: 'unreachable' });
    const { stdout } = await firstRound(env, s.dir);
    assert.deepEqual(stdout.split('\n').filter((l) => l.includes('round=1')), [
      'airlock-canary round=1 check=listen result=ok',
      'airlock-canary round=1 check=egress target=[fd00::1]:443 result=blocked',
      'airlock-canary round=1 check=egress target=203.0.113.10:443 result=blocked',
      'airlock-canary round=1 check=egress target=[2001:db8::10]:443 result=blocked',
      'airlock-canary round=1 check=dns name=kubernetes.default.svc.cluster.local result=resolved',
      'airlock-canary round=1 end',
    ]);
    assert.ok(s.calls('nc-calls').some((c) => c.join(' ') === '-z -w 2 fd00::1 443'), 'brackets are stripped for nc');
  });

  for (const [what, extra] of [
    ['egress targets with a command', { AIRLOCK_EGRESS_TARGETS: '1.2.3.4:80 $(id)' }],
    ['a DNS name with a semicolon', { AIRLOCK_DNS_NAME: 'a;id' }],
    ['no port', { AIRLOCK_PORT: '' }],
  ] as Array<[string, Record<string, string>]>) {
    test(`refuses ${what}: exit 2 before anything runs`, async () => {
      const s = sandbox();
      const { status } = await firstRound(s.env({ AIRLOCK_PORT: '8080', AIRLOCK_EGRESS_TARGETS: '', AIRLOCK_DNS_NAME: 'kubernetes.default.svc.cluster.local', ...extra }), s.dir);
      assert.equal(status, 2);
      assert.deepEqual(s.calls('nc-calls'), []);
    });
  }
});

describe('inspect.sh', () => {
  test('prints every section from the kernel tables, with no input and no network', () => {
    const r = spawnSync('sh', [scriptPath('inspect.sh')], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' }, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
    assert.equal(r.status, 0, r.stderr);
    for (const section of ['date (UTC)', 'id', 'ps', 'processes (/proc/<pid>: ppid, uid, exe, cmdline)', 'sockets (ss -tuanpe)', '/proc/net/tcp', '/proc/net/unix', 'open files (/proc/<pid>/fd)', 'end']) {
      assert.ok(r.stdout.includes(`\n===== ${section}\n`), section);
    }
  });
});
