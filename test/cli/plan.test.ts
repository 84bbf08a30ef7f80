/** `airlock plan` end to end: the example incidents against a small cluster snapshot. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { airlock, REPO } from '../support/project';

const SNAPSHOT = path.join(REPO, 'test/fixtures/cluster-snapshot.yaml');

describe('airlock plan', () => {
  test('an existing allow defeats plain NetworkPolicy isolation: exit 4, naming the policy, peer and port', () => {
    const result = airlock(REPO, ['plan', 'INC-2026-0142', '--inventory', SNAPSHOT, '--json']);
    assert.equal(result.status, 4, result.stderr);
    const actions = JSON.parse(result.stdout) as Array<{ incident: string; action: string; targets: string[]; effective: boolean; residual: Array<Record<string, string>> }>;
    const isolation = actions.find((a) => a.action.startsWith('isolatePod'))!;
    assert.deepEqual(isolation.targets, ['payments/checkout-7d9f8c-x2x4k']);
    assert.equal(isolation.effective, false);
    assert.equal(isolation.residual.length, 1);
    assert.equal(isolation.residual[0].direction, 'ingress');
    assert.equal(isolation.residual[0].ports, 'TCP 8080');
    assert.match(isolation.residual[0].policy, /payments\/allow-web-to-checkout/);
  });

  test('names the backends that would contain what the backend in force leaves uncontained', () => {
    const result = airlock(REPO, ['plan', 'INC-2026-0142', '--inventory', SNAPSHOT]);
    assert.equal(result.status, 4, result.stderr);
    assert.match(result.stdout, /^  hint: with backend networkpolicy, action 0 of INC-2026-0142 stays uncontained; backend adminnetworkpolicy, calico or cilium contains it \(policies\/settings\.ts `backend`, where the cluster's network plugin enforces it\)$/m);
    const markdown = airlock(REPO, ['plan', 'INC-2026-0142', '--inventory', SNAPSHOT, '--markdown']);
    assert.match(markdown.stdout, /\*\*Hint:\*\* with backend networkpolicy, action 0 of INC-2026-0142 stays uncontained/);
    assert.doesNotMatch(airlock(REPO, ['plan', 'INC-2026-0144', '--inventory', SNAPSHOT]).stdout, /hint:/, 'nothing to advise when every action holds');
  });

  test('an incident whose actions all hold exits 0 and lists the blast radius of a lookalike selector', () => {
    const result = airlock(REPO, ['plan', 'INC-2026-0144', '--inventory', SNAPSHOT]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /EFFECTIVE/);
    assert.match(result.stdout, /2 workloads: tools\/artifact-cache-lookalike\[Pod\]/);
  });

  test('--json gives an image block the running containers it does not stop (none in this snapshot)', () => {
    const result = airlock(REPO, ['plan', 'INC-2026-0144', '--inventory', SNAPSHOT, '--json', '--no-compare']);
    assert.equal(result.status, 0, result.stderr);
    const actions = JSON.parse(result.stdout) as Array<{ action: string; runningImages?: unknown[] }>;
    assert.deepEqual(actions.find((a) => a.action === 'blockImages')!.runningImages, []);
    assert.ok(actions.filter((a) => a.action !== 'blockImages').every((a) => a.runningImages === undefined));
  });

  test('--markdown is a pull-request body with a summary table and a Mermaid graph', () => {
    const result = airlock(REPO, ['plan', '--inventory', SNAPSHOT, '--markdown']);
    assert.equal(result.status, 4);
    assert.match(result.stdout, /\| *Action *\|/i);
    assert.match(result.stdout, /```mermaid\ngraph LR/);
  });

  test('needs an inventory, and refuses an unknown incident id', () => {
    assert.equal(airlock(REPO, ['plan']).status, 2);
    const unknown = airlock(REPO, ['plan', 'INC-404', '--inventory', SNAPSHOT]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no incident "INC-404"/);
  });

  test('an inventory with no namespaces or pods (the wrong file) exits 3 naming it, instead of a verdict', () => {
    const wrong = path.join(REPO, 'incidents/INC-2026-0142.ts');
    const result = airlock(REPO, ['plan', 'INC-2026-0142', '--inventory', wrong]);
    assert.equal(result.status, 3, result.stderr);
    assert.match(result.stderr, /holds no namespaces or pods; 1 document was skipped, the first: [^\n]*INC-2026-0142\.ts: skipped a document with a YAML syntax error/);
    assert.match(result.stderr, /accepted: a snapshot of the cluster, e\.g\. kubectl get ns,pods/);
    assert.equal(result.stdout, '');
  });
});
