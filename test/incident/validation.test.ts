/**
 * Every validation rule, table-driven: each bad declaration is refused with the file, the field path and what
 * would be accepted.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateIncident } from '../../src/incident/validate-incident';
import { formatProblems } from '../../src/errors';
import { DEFAULT_GUARDRAILS } from '../../src/settings/settings';

const FILE = 'incidents/INC-1.ts';
const base = {
  id: 'INC-1',
  title: 'Suspicious shell',
  severity: 'high',
  status: 'active',
  openedAt: '2026-11-22T03:12:00Z',
  owner: 'sre-oncall',
  actions: [{ kind: 'isolatePod', namespace: 'payments', pod: 'checkout-1' }],
};
type Raw = Record<string, unknown>;
const withAction = (action: Raw): Raw => ({ ...base, actions: [action] });
const pod = (extra: Raw): Raw => withAction({ kind: 'isolatePod', namespace: 'payments', pod: 'checkout-1', ...extra });
const allow = (rule: Raw): Raw => pod({ allow: [rule] });
const port = (p: Raw): Raw => allow({ direction: 'egress', namespace: 'db', ports: [p] });
const capture = (extra: Raw): Raw => withAction({ kind: 'captureEvidence', namespace: 'payments', pod: 'checkout-1', ...extra });

/** [what is wrong, declaration, field path expected in the problem]. */
const BAD: Array<[string, unknown, string]> = [
  ['not an object', 'isolate everything', ''],
  ['unknown top-level field', { ...base, sevreity: 'high' }, 'sevreity'],
  ['missing id', { ...base, id: undefined }, 'id'],
  ['id with a space', { ...base, id: 'INC 1' }, 'id'],
  ['id too long', { ...base, id: `INC-${'9'.repeat(40)}` }, 'id'],
  ['id not matching the file name', { ...base, id: 'INC-2' }, 'id'],
  ['empty title', { ...base, title: '' }, 'title'],
  ['title with a line break', { ...base, title: 'a\nb' }, 'title'],
  ['unknown severity', { ...base, severity: 'urgent' }, 'severity'],
  ['unknown status', { ...base, status: 'closed' }, 'status'],
  ['openedAt not ISO', { ...base, openedAt: '22/11/2026' }, 'openedAt'],
  ['openedAt without time zone', { ...base, openedAt: '2026-11-22T03:12:00' }, 'openedAt'],
  ['openedAt on a day that does not exist (31st of February)', { ...base, openedAt: '2026-02-31T03:12:00Z' }, 'openedAt'],
  ['expiresAt before openedAt', { ...base, expiresAt: '2026-11-21T00:00:00Z' }, 'expiresAt'],
  ['missing owner', { ...base, owner: undefined }, 'owner'],
  ['alert id with spaces', { ...base, alerts: ['a b'] }, 'alerts[0]'],
  ['no actions', { ...base, actions: [] }, 'actions'],
  ['actions not a list', { ...base, actions: {} }, 'actions'],
  ['unknown action kind', withAction({ kind: 'nuke', namespace: 'a' }), 'actions[0].kind'],
  ['unknown action field', pod({ namepsace: 'x' }), 'actions[0].namepsace'],
  ['namespace with upper case', pod({ namespace: 'Payments' }), 'actions[0].namespace'],
  ['namespace too long', pod({ namespace: 'a'.repeat(64) }), 'actions[0].namespace'],
  ['pod name with underscore', pod({ pod: 'checkout_1' }), 'actions[0].pod'],
  ['protected namespace without override', pod({ namespace: 'kube-system' }), 'actions[0].namespace'],
  ['override without reason', pod({ namespace: 'kube-system', override: {} }), 'actions[0].override.reason'],
  ['unknown DNS profile', pod({ dns: 'google' }), 'actions[0].dns'],
  ['empty workload selector', withAction({ kind: 'isolateWorkload', namespace: 'a', selector: {} }), 'actions[0].selector'],
  ['invalid label key', withAction({ kind: 'isolateWorkload', namespace: 'a', selector: { 'app/name/x': 'a' } }), 'actions[0].selector.app/name/x'],
  ['label value too long', withAction({ kind: 'isolateWorkload', namespace: 'a', selector: { app: 'x'.repeat(64) } }), 'actions[0].selector.app'],
  ['label value with a space', withAction({ kind: 'isolateWorkload', namespace: 'a', selector: { app: 'a b' } }), 'actions[0].selector.app'],
  ['restrictEgress with pod and selector', withAction({ kind: 'restrictEgress', namespace: 'a', pod: 'p', selector: { app: 'x' }, allow: [] }), 'actions[0]'],
  ['restrictEgress with neither pod nor selector', withAction({ kind: 'restrictEgress', namespace: 'a', allow: [] }), 'actions[0]'],
  ['restrictEgress without allow', withAction({ kind: 'restrictEgress', namespace: 'a', pod: 'p' }), 'actions[0].allow'],
  ['allow without direction', allow({ namespace: 'db' }), 'actions[0].allow[0].direction'],
  ['allow with unknown direction', allow({ direction: 'both', namespace: 'db' }), 'actions[0].allow[0].direction'],
  ['invalid CIDR', allow({ direction: 'egress', cidr: '10.0.0.0/33' }), 'actions[0].allow[0].cidr'],
  ['CIDR with host bits', allow({ direction: 'egress', cidr: '10.0.0.1/8' }), 'actions[0].allow[0].cidr'],
  ['CIDR without prefix', allow({ direction: 'egress', cidr: '10.0.0.1' }), 'actions[0].allow[0].cidr'],
  ['except outside cidr', allow({ direction: 'egress', cidr: '10.0.0.0/16', except: ['10.1.0.0/24'] }), 'actions[0].allow[0].except[0]'],
  ['except of the other family', allow({ direction: 'egress', cidr: '10.0.0.0/16', except: ['2001:db8::/64'] }), 'actions[0].allow[0].except[0]'],
  ['IPv6 except outside cidr', allow({ direction: 'egress', cidr: '2001:db8::/32', except: ['2001:db9::/48'] }), 'actions[0].allow[0].except[0]'],
  ['peer mixing cidr and namespace', allow({ direction: 'egress', cidr: '10.0.0.0/8', namespace: 'db' }), 'actions[0].allow[0].namespace'],
  ['peer namespace invalid', allow({ direction: 'egress', namespace: 'DB' }), 'actions[0].allow[0].namespace'],
  ['peer selector empty', allow({ direction: 'egress', namespace: 'db', selector: {} }), 'actions[0].allow[0].selector'],
  ['port 0', port({ port: 0 }), 'actions[0].allow[0].ports[0].port'],
  ['port 65536', port({ port: 65536 }), 'actions[0].allow[0].ports[0].port'],
  ['port not an integer', port({ port: 80.5 }), 'actions[0].allow[0].ports[0].port'],
  ['invalid port name', port({ port: 'HTTP_PORT' }), 'actions[0].allow[0].ports[0].port'],
  ['port name too long', port({ port: 'a-very-long-port-name' }), 'actions[0].allow[0].ports[0].port'],
  ['endPort below port', port({ port: 8080, endPort: 8000 }), 'actions[0].allow[0].ports[0].endPort'],
  ['endPort with a named port', port({ port: 'http', endPort: 8000 }), 'actions[0].allow[0].ports[0].endPort'],
  ['unknown protocol', port({ port: 80, protocol: 'ICMP' }), 'actions[0].allow[0].ports[0].protocol'],
  ['blockImages without images', withAction({ kind: 'blockImages', images: [], reason: 'x' }), 'actions[0].images'],
  ['blockImages with an invalid reference', withAction({ kind: 'blockImages', images: ['UPPER/Case:tag'], reason: 'x' }), 'actions[0].images[0]'],
  ['blockImages with a short digest', withAction({ kind: 'blockImages', images: ['nginx@sha256:abc'], reason: 'x' }), 'actions[0].images[0]'],
  ['blockImages without reason', withAction({ kind: 'blockImages', images: ['nginx:1.25'] }), 'actions[0].reason'],
  ['captureEvidence without pod', withAction({ kind: 'captureEvidence', namespace: 'payments' }), 'actions[0].pod'],
  ['captureEvidence with a pod name that is a command', capture({ pod: 'x$(reboot)' }), 'actions[0].pod'],
  ['captureEvidence with a namespace with upper case', capture({ namespace: 'Payments' }), 'actions[0].namespace'],
  ['captureEvidence in a protected namespace without override', capture({ namespace: 'kube-system' }), 'actions[0].namespace'],
  ['captureEvidence with a container name that is not a label', capture({ container: 'App_1' }), 'actions[0].container'],
  ['captureEvidence with volumes not a list', capture({ volumes: 'data-0' }), 'actions[0].volumes'],
  ['captureEvidence with no volumes', capture({ volumes: [] }), 'actions[0].volumes'],
  ['captureEvidence with an invalid claim name', capture({ volumes: ['data_0'] }), 'actions[0].volumes[0]'],
  ['captureEvidence with a claim listed twice', capture({ volumes: ['data-0', 'data-0'] }), 'actions[0].volumes[1]'],
  ['captureEvidence with logs not a boolean', capture({ logs: 'yes' }), 'actions[0].logs'],
  ['captureEvidence with connections not a boolean', capture({ connections: 1 }), 'actions[0].connections'],
  ['captureEvidence with a destination that is not a name', capture({ destination: 's3://bucket' }), 'actions[0].destination'],
  ['captureEvidence with an unknown field', capture({ volume: ['data-0'] }), 'actions[0].volume'],
  ['captureEvidence with a network option', capture({ dns: 'none' }), 'actions[0].dns'],
];

describe('incident validation refuses', () => {
  for (const [what, raw, field] of BAD) {
    test(`${what} (field ${field || '(whole file)'})`, () => {
      const result = validateIncident(raw, { file: FILE, guardrails: DEFAULT_GUARDRAILS });
      assert.equal(result.incident, undefined);
      const problem = result.problems.find((p) => p.field === field);
      assert.ok(problem, `expected a problem on "${field}", got: ${formatProblems(result.problems)}`);
      assert.equal(problem.file, FILE);
      assert.ok(problem.hint && problem.hint.length > 0, 'the problem says what would be accepted');
    });
  }
});

describe('incident validation accepts', () => {
  test('a minimal declaration, defaulting status to active and deriving the slug', () => {
    const result = validateIncident({ ...base, status: undefined }, { file: FILE, guardrails: DEFAULT_GUARDRAILS });
    assert.deepEqual(result.problems, []);
    assert.equal(result.incident?.status, 'active');
    assert.equal(result.incident?.slug, 'inc-1');
  });
  test('a protected namespace with an override reason', () => {
    const result = validateIncident(pod({ namespace: 'kube-system', override: { reason: 'coredns pod compromised' } }), { file: FILE, guardrails: DEFAULT_GUARDRAILS });
    assert.deepEqual(result.problems, []);
  });
  test('IPv6 CIDRs with an except inside, named ports and port ranges', () => {
    const raw = pod({
      allow: [
        { direction: 'egress', cidr: '2001:db8::/32', except: ['2001:db8:1::/48'], ports: [{ port: 443 }, { port: 8000, endPort: 8100, protocol: 'UDP' }] },
        { direction: 'ingress', namespace: 'monitoring', selector: { 'app.kubernetes.io/name': 'prometheus' }, ports: [{ port: 'metrics', protocol: 'SCTP' }] },
      ],
    });
    assert.deepEqual(validateIncident(raw, { file: FILE, guardrails: DEFAULT_GUARDRAILS }).problems, []);
  });
  test('captureEvidence with every option, and in a protected namespace with an override', () => {
    assert.deepEqual(validateIncident(capture({ container: 'app', volumes: ['data-checkout-0', 'cache.checkout-0'], logs: false, connections: true, destination: 'legal-hold' }), { file: FILE, guardrails: DEFAULT_GUARDRAILS }).problems, []);
    assert.deepEqual(validateIncident(capture({ namespace: 'kube-system', pod: 'coredns-1', override: { reason: 'coredns pod compromised' } }), { file: FILE, guardrails: DEFAULT_GUARDRAILS }).problems, []);
  });
  test('guardrails decide which namespaces are protected', () => {
    const raw = pod({ namespace: 'payments' });
    const result = validateIncident(raw, { file: FILE, guardrails: { ...DEFAULT_GUARDRAILS, protectedNamespaces: ['payments'] } });
    assert.equal(result.problems[0]?.field, 'actions[0].namespace');
  });
});

test('all problems of a declaration are reported together', () => {
  const result = validateIncident({ ...base, severity: 'urgent', owner: '', actions: [{ kind: 'isolatePod', namespace: 'Bad', pod: 'x_y' }] }, { file: FILE, guardrails: DEFAULT_GUARDRAILS });
  assert.deepEqual(result.problems.map((p) => p.field).sort(), ['actions[0].namespace', 'actions[0].pod', 'owner', 'severity']);
});
