/**
 * Declaration files whose bytes are new (`unseen`) are transpiled by a one-off esbuild process instead of
 * tsx's worker, or compiled from code transpiled ahead: what the loader reports must not depend on which path
 * a file took.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { transpileAhead } from '../../src/project/direct-transpile';
import { loadDefaultExport, type ModuleResult } from '../../src/project/load-module';
import { tempDir } from '../support/temp-dir';

/** Writes `files` into a fresh temp dir; returns the absolute path of each. */
function write(files: Record<string, string>): Record<string, string> {
  const dir = tempDir('airlock-direct-');
  return Object.fromEntries(Object.entries(files).map(([name, text]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return [name, file];
  }));
}

function problemOf(result: ModuleResult): unknown {
  assert.equal(result.ok, false);
  return result.ok ? undefined : result.problem;
}

describe('loading an unseen declaration file', () => {
  test('a syntax error is reported with the same file, line, column and message as through tsx', () => {
    const source = "const a = 1;\n\nexport default { a,, b: 2 };\n";
    const { 'direct.ts': direct, 'tsx.ts': viaTsx } = write({ 'direct.ts': source, 'tsx.ts': source });
    const problem = problemOf(loadDefaultExport(direct, 'incidents/X.ts', { unseen: true }));
    assert.deepEqual(problem, problemOf(loadDefaultExport(viaTsx, 'incidents/X.ts')));
    assert.deepEqual(problem, { file: 'incidents/X.ts', field: '', line: 3, column: 19, message: 'syntax error: Expected identifier but found ","', hint: 'valid TypeScript' });
  });

  test('an exception thrown while the file runs is located at its TypeScript line', () => {
    // The interface is erased from the JavaScript: without the source map the throw would sit 5 lines higher.
    const { 'throws.ts': file } = write({ 'throws.ts': 'interface Shape {\n  a: number;\n  b: number;\n  c: number;\n  d: number;\n}\nconst s: Shape = { a: 1, b: 2, c: 3, d: 4 };\nif (s.a === 1) throw new Error(`bad shape ${s.d}`);\nexport default s;\n' });
    const problem = problemOf(loadDefaultExport(file, 'incidents/X.ts', { unseen: true })) as { line?: number; message: string };
    assert.equal(problem.line, 8);
    assert.equal(problem.message, 'failed while loading: bad shape 4');
  });

  test("the file's own imports load as usual, TypeScript included", () => {
    const files = write({ 'helper.ts': 'export const kind: string = "isolatePod";\nexport type Kind = typeof kind;\n', 'main.ts': "import { kind, type Kind } from './helper';\nconst k: Kind = kind;\nexport default { k };\n" });
    assert.deepEqual(loadDefaultExport(files['main.ts'], 'incidents/X.ts', { unseen: true }), { ok: true, value: { k: 'isolatePod' } });
  });

  test('a file that reads import.meta is left to tsx, which defines it for CommonJS', () => {
    const { 'meta.ts': file } = write({ 'meta.ts': 'export default import.meta.url;\n' });
    assert.deepEqual(loadDefaultExport(file, 'incidents/X.ts', { unseen: true }), { ok: true, value: pathToFileURL(file).href });
  });

  test('a file transpiled ahead is compiled from that code, its errors located as before', async () => {
    const source = 'interface Shape {\n  a: number;\n}\nconst s: Shape = { a: 1 };\nif (s.a === 1) throw new Error(`bad shape ${s.a}`);\nexport default s;\n';
    const { 'ahead.ts': file } = write({ 'ahead.ts': source });
    const code = (await transpileAhead(source, file))!;

    const problem = problemOf(loadDefaultExport(file, 'incidents/X.ts', { transpiled: { filename: file, source, code } })) as { line?: number; message: string };
    assert.equal(problem.line, 5);
    assert.equal(problem.message, 'failed while loading: bad shape 1');
  });

  test('code transpiled ahead for other bytes is not used', async () => {
    const { 'changed.ts': file } = write({ 'changed.ts': 'export default { v: 2 };\n' });
    const stale = 'export default { v: 1 };\n';
    const code = (await transpileAhead(stale, file))!;

    assert.deepEqual(loadDefaultExport(file, 'incidents/X.ts', { transpiled: { filename: file, source: stale, code } }), { ok: true, value: { v: 2 } });
  });
});
