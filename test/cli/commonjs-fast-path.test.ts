/**
 * The CLI's loader split (src/cli/commonjs-fast-path.js): CommonJS files of node_modules go to Node's own
 * handler, everything else to tsx. Installed in this test process, which runs under tsx like the CLI.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { tempTree } from '../support/temp-dir';

interface FastPath {
  installCommonJsFastPath(nodeJsHandler: unknown): void;
  packageType(dir: string): string;
}
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { installCommonJsFastPath, packageType } = require('../../src/cli/commonjs-fast-path') as FastPath;

/** A temp dir with `files` (relative path → text); returns its root. */
function tree(files: Record<string, string>): string {
  return tempTree('airlock-fast-path-', files);
}

describe('package type', () => {
  test('the nearest package.json decides', () => {
    const root = tree({ 'node_modules/esm/package.json': '{"type":"module"}', 'node_modules/esm/lib/cjs/package.json': '{"type":"commonjs"}', 'node_modules/esm/lib/x.js': '' });
    assert.equal(packageType(path.join(root, 'node_modules/esm/lib')), 'module');
    assert.equal(packageType(path.join(root, 'node_modules/esm/lib/cjs')), 'commonjs');
  });

  test('no package.json up to the node_modules folder means CommonJS, whatever lies above it', () => {
    const root = tree({ 'package.json': '{"type":"module"}', 'node_modules/bare/index.js': '' });
    assert.equal(packageType(path.join(root, 'node_modules/bare')), 'commonjs');
  });
});

describe('loading with the fast path installed', () => {
  // Node's handler as it was before tsx registered is not reachable here (tsx is already in), so the test
  // hands in a recording stand-in for it: what matters is which files reach it, and in what state.
  const seen: Array<{ file: string; sourceMaps: boolean | undefined }> = [];
  const tsxHandler = require.extensions['.js'];
  installCommonJsFastPath((module: NodeJS.Module, filename: string) => {
    seen.push({ file: path.basename(path.dirname(filename)), sourceMaps: process.sourceMapsEnabled });
    tsxHandler(module, filename);
  });

  test("a CommonJS package's file goes to Node's handler, compiled without source maps; they are on again after", () => {
    const root = tree({ 'node_modules/plain/index.js': 'module.exports = { answer: 42 };\n' });
    assert.deepEqual(require(path.join(root, 'node_modules/plain/index.js')), { answer: 42 });
    assert.deepEqual(seen.at(-1), { file: 'plain', sourceMaps: false });
    assert.equal(process.sourceMapsEnabled, true);
  });

  test('an ES-module package and files outside node_modules stay with tsx', () => {
    const before = seen.length;
    const root = tree({ 'node_modules/esm/package.json': '{"type":"module"}', 'node_modules/esm/index.js': 'export const answer = 42;\n', 'lib/local.js': 'module.exports = 7;\n' });
    assert.equal((require(path.join(root, 'node_modules/esm/index.js')) as { answer: number }).answer, 42);
    assert.equal(require(path.join(root, 'lib/local.js')), 7);
    assert.equal(seen.length, before);
  });
});
