/** Alert rules: start-up validation (file and field named) and matching (first match wins, Falco's priority order). */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ValidationError } from '../../src/errors';
import { definePlaybook } from '../../src/incident/playbook';
import { isolate } from '../../src/incident/declare';
import type { Alert } from '../../src/intake/alert';
import { matchAlert } from '../../src/intake/match';
import { atLeast, FALCO_PRIORITIES, parsePriority } from '../../src/intake/priority';
import { loadAlertRules, validateAlertRules, type AlertRulesSpec } from '../../src/intake/rules';
import { loadPlaybooks } from '../../src/project/create-incident';
import { makeProject, REPO } from '../support/project';

const isolatePod = definePlaybook({ name: 'isolatePod', description: 'x', actions: (t) => [isolate({ namespace: t.namespace, pod: t.pod! })] });
const needsImage = definePlaybook({ name: 'needsImage', description: 'x', requires: ['pod', 'image'], blocksImage: true, actions: () => [] });
const PLAYBOOKS = new Map([['isolatePod', isolatePod], ['needsImage', needsImage]]);

const alert = (over: Partial<Alert> = {}): Alert => ({ receiver: 'falco', id: 'a-1', rule: 'Terminal shell in container', priority: 'notice', tags: ['container', 'shell'], namespace: 'payments', pod: 'p-1', podLabels: {}, firing: true, ...over });

function problems(spec: unknown): string[] {
  try {
    validateAlertRules(spec, 'policies/alert-rules.ts', PLAYBOOKS);
  } catch (e) {
    assert.ok(e instanceof ValidationError);
    return e.problems.map((p) => `${p.file} ${p.field}: ${p.message}`);
  }
  return [];
}

describe('alert rules validation', () => {
  test('the repository rules are valid against the repository playbooks', () => {
    const rules = loadAlertRules(REPO, loadPlaybooks(REPO));
    assert.deepEqual(rules.rules.map((r) => r.name), ['cryptominer', 'critical shell', 'terminal shell', 'exfiltration']);
    assert.equal(rules.dedupWindowMs, 3_600_000);
  });

  test('an unknown playbook is refused naming the file, the field and the accepted names', () => {
    let error: ValidationError | undefined;
    try {
      validateAlertRules({ rules: [{ name: 'r', match: {}, action: { playbook: 'isolatepod' } }] }, 'policies/alert-rules.ts', PLAYBOOKS);
    } catch (e) {
      error = e as ValidationError;
    }
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.problems[0], { file: 'policies/alert-rules.ts', field: 'rules[0].action.playbook', message: '"isolatepod" is not a playbook exported by policies/playbooks.ts', hint: 'isolatePod, needsImage' });
  });

  test('every problem is reported together', () => {
    const spec = {
      dedupWindowMinutes: -5,
      extra: 1,
      rules: [
        { name: 'dup', match: { minPriority: 'loud', tags: [''], namespaces: { include: ['Bad_NS'] }, rule: 3 }, action: { playbook: 'isolatePod', severity: 'urgent', breakGlass: 'yes' } },
        { name: 'dup', match: {}, action: { playbook: 'isolatePod', target: { workloadLabels: [] } } },
        { name: 'bad\nname', match: {}, action: { playbook: 'needsImage', target: { workloadLabels: ['app'] } } },
      ],
    };
    assert.deepEqual(problems(spec), [
      'policies/alert-rules.ts extra: is not a known field',
      'policies/alert-rules.ts dedupWindowMinutes: is number -5',
      'policies/alert-rules.ts rules[0].match.rule: is number 3',
      'policies/alert-rules.ts rules[0].match.minPriority: is "loud"',
      'policies/alert-rules.ts rules[0].match.tags[0]: is empty',
      'policies/alert-rules.ts rules[0].match.namespaces.include[0]: "Bad_NS" is not a DNS-1123 label',
      'policies/alert-rules.ts rules[0].action.severity: is "urgent"',
      'policies/alert-rules.ts rules[0].action.breakGlass: is "yes"',
      'policies/alert-rules.ts rules[1].name: "dup" names another rule too',
      'policies/alert-rules.ts rules[1].action.target.workloadLabels: is empty',
      'policies/alert-rules.ts rules[2].name: is "bad\\nname"',
      'policies/alert-rules.ts rules[2].action.target: playbook needsImage needs a pod',
    ]);
  });

  test('a missing or broken rules file stops the start with the file named', () => {
    const root = makeProject({ incidents: {} });
    fs.rmSync(path.join(root, 'policies/alert-rules.ts'));
    assert.throws(() => loadAlertRules(root, PLAYBOOKS), (e: ValidationError) => e.problems[0]!.file === 'policies/alert-rules.ts' && /does not exist/.test(e.message));
    fs.writeFileSync(path.join(root, 'policies/alert-rules.ts'), "import { defineAlertRules } from '../src/intake/rules';\nexport default defineAlertRules({ rules: [{ name: 'x', match: {}, action: { playbook: 'nope' } }] });\n");
    assert.throws(() => loadAlertRules(root, loadPlaybooks(root)), (e: ValidationError) => e.problems[0]!.field === 'rules[0].action.playbook' && /cryptominer, exfiltration, isolatePod/.test(e.problems[0]!.hint ?? ''));
  });
});

describe('priorities', () => {
  test("Falco's order, with the spellings senders use", () => {
    assert.deepEqual(FALCO_PRIORITIES, ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'debug']);
    assert.equal(parsePriority('Notice'), 'notice');
    assert.equal(parsePriority(' INFO '), 'informational');
    assert.equal(parsePriority('warn'), 'warning');
    assert.equal(parsePriority('loud'), undefined);
    assert.equal(parsePriority(5), undefined);
    assert.ok(atLeast('warning', 'notice'));
    assert.ok(atLeast('notice', 'notice'));
    assert.ok(!atLeast('informational', 'notice'));
    assert.ok(atLeast('emergency', 'critical'));
  });
});

describe('matching', () => {
  const spec: AlertRulesSpec = {
    rules: [
      { name: 'miner', match: { rule: [/crypto ?min/i, 'Stratum'], minPriority: 'warning' }, action: { playbook: 'isolatePod', breakGlass: true } },
      { name: 'critical shell', match: { rule: 'Terminal shell in container', minPriority: 'critical' }, action: { playbook: 'isolatePod', breakGlass: true } },
      { name: 'shell', match: { rule: 'Terminal shell in container', minPriority: 'notice', tags: ['shell'], namespaces: { exclude: [/^dev-/, 'sandbox'] } }, action: { playbook: 'isolatePod' } },
      { name: 'ci only', match: { rule: /^CI /g, namespaces: { include: ['ci'] }, receiver: 'alertmanager' }, action: { playbook: 'isolatePod' } },
    ],
  };
  const rules = validateAlertRules(spec, 'policies/alert-rules.ts', PLAYBOOKS);
  const name = (a: Alert): string | undefined => matchAlert(rules, a).rule?.name;

  test('first match wins; thresholds follow the priority order', () => {
    assert.equal(name(alert({ priority: 'notice' })), 'shell');
    assert.equal(name(alert({ priority: 'critical' })), 'critical shell');
    assert.equal(name(alert({ priority: 'emergency' })), 'critical shell');
    assert.equal(name(alert({ rule: 'Detect Crypto Miners', priority: 'warning' })), 'miner');
    assert.equal(name(alert({ rule: 'Stratum', priority: 'error' })), 'miner');
    assert.equal(name(alert({ rule: 'Stratum protocol', priority: 'error' })), undefined, 'strings match exactly');
  });

  test('tags, namespaces and receiver narrow a rule; the reasons say which condition failed', () => {
    const result = matchAlert(rules, alert({ tags: ['container'], namespace: 'dev-alice' }));
    assert.equal(result.rule, undefined);
    assert.deepEqual(!result.rule && result.reasons, ['miner: detector rule name differs', 'critical shell: priority notice is below critical', 'shell: tags missing: shell', 'ci only: only alerts from alertmanager']);
    assert.equal(name(alert({ namespace: 'sandbox' })), undefined);
    assert.equal(name(alert({ priority: undefined })), undefined);
    assert.match(JSON.stringify(matchAlert(rules, alert({ priority: undefined }))), /priority unknown, needs notice or above/);
  });

  test('patterns with the g flag stay stateless', () => {
    const ci = alert({ receiver: 'alertmanager', rule: 'CI runner compromised', namespace: 'ci' });
    assert.equal(name(ci), 'ci only');
    assert.equal(name(ci), 'ci only');
    assert.equal(name({ ...ci, namespace: 'prod' }), undefined);
  });
});
