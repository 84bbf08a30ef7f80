/**
 * The CEL functions the policy relies on. Kubernetes provides them from its strings extension library; the
 * evaluator used in these tests (@bufbuild/cel with its strings extension) must behave as the Kubernetes
 * documentation says, or the policy tests would prove nothing. And the policy must call nothing that a
 * Kubernetes API server lacks.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '@bufbuild/cel';
import { blockImagesCel } from '../../src/admission';
import { evaluate } from './cel-evaluator';

const run = (expression: string): unknown => evaluate(expression, {});
const list = (v: unknown): unknown[] => [...(v as Iterable<unknown>)];

describe('Kubernetes strings extension, as documented', () => {
  test("indexOf returns the first code-point index, or -1", () => {
    assert.equal(run("'hello mellow'.indexOf('ello')"), 1n);
    assert.equal(run("'hello mellow'.indexOf('jello')"), -1n);
  });
  test('lastIndexOf returns the last code-point index, or -1', () => {
    assert.equal(run("'hello mellow'.lastIndexOf('ello')"), 7n);
    assert.equal(run("'hello mellow'.lastIndexOf('jello')"), -1n);
  });
  test('substring(start) and substring(start, end) take code-point indices', () => {
    assert.equal(run("'tacocat'.substring(4)"), 'cat');
    assert.equal(run("'tacocat'.substring(0, 4)"), 'taco');
    assert.equal(run("'tacocat'.substring(7)"), '');
  });
  test('substring out of range is an error', () => {
    assert.throws(() => run("'tacocat'.substring(8)"));
  });
  test('lowerAscii lowers ASCII letters only', () => {
    assert.equal(run("'TacoCat'.lowerAscii()"), 'tacocat');
    assert.equal(run("'TacoCÆt'.lowerAscii()"), 'tacocÆt');
  });
  test('split returns every part, including empty ones', () => {
    assert.deepEqual(list(run("'a\\nb\\n\\nc'.split('\\n')")), ['a', 'b', '', 'c']);
    assert.deepEqual(list(run("'abc'.split('\\n')")), ['abc']);
  });
});

/** Functions of standard CEL and of the Kubernetes CEL libraries that the policy may use. */
const KUBERNETES_FUNCTIONS = new Set([
  // standard operators and functions
  '_?_:_', '_&&_', '_||_', '!_', '_==_', '_!=_', '_<_', '_<=_', '_>_', '_>=_', '_+_', '_-_', '_[_]', '@in',
  '@not_strictly_false', 'size', 'contains', 'startsWith', 'endsWith', 'string', 'matches',
  // Kubernetes strings extension (ext.Strings)
  'charAt', 'indexOf', 'lastIndexOf', 'lowerAscii', 'upperAscii', 'replace', 'split', 'substring', 'trim', 'join',
]);

function calledFunctions(node: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => calledFunctions(n, into));
  else if (node !== null && typeof node === 'object') {
    const n = node as { case?: string; value?: { function?: string } };
    if (n.case === 'callExpr' && n.value?.function) into.add(n.value.function);
    for (const v of Object.values(node)) calledFunctions(v, into);
  }
  return into;
}

test('the policy calls only functions a Kubernetes API server provides', () => {
  const cel = blockImagesCel();
  const used = new Set<string>();
  for (const e of [...cel.variables.map((v) => v.expression), ...cel.validations.flatMap((v) => [v.expression, v.messageExpression])]) {
    calledFunctions(parse(e).expr, used);
  }
  const unknown = [...used].filter((f) => !KUBERNETES_FUNCTIONS.has(f));
  assert.deepEqual(unknown, []);
  for (const f of ['indexOf', 'lastIndexOf', 'substring', 'lowerAscii', 'split']) assert.ok(used.has(f), `${f} is used (and tested above)`);
});
