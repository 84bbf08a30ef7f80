/**
 * Deferred modules (src/cli/defer-module.js): the CLI keeps cdk8s's private copy of yaml unloaded until
 * something uses it.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { tempTree } from '../support/temp-dir';

interface DeferModule {
  deferModule(file: string): boolean;
  deferBundledDependency(pkg: string, dependency: string, from?: string): boolean;
}
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { deferModule, deferBundledDependency } = require('../../src/cli/defer-module') as DeferModule;

/** A temp dir with `files` (relative path → text); returns its root. */
function tree(files: Record<string, string>): string {
  return fs.realpathSync(tempTree('airlock-defer-', files));
}

/** A module that counts its own loads in a global. */
const COUNTING = (name: string): string => `globalThis.${name} = (globalThis.${name} ?? 0) + 1;\nexports.answer = 42;\nexports.twice = (n) => 2 * n;\n`;
const loads = (name: string): number => ((globalThis as Record<string, unknown>)[name] as number | undefined) ?? 0;

describe('a deferred module', () => {
  test('is loaded on first use of an export, once, and then behaves as itself', () => {
    const file = path.join(tree({ 'lib.js': COUNTING('deferLoadsA') }), 'lib.js');
    assert.equal(deferModule(file), true);
    const lib = require(file) as { answer: number; twice(n: number): number };
    assert.equal(loads('deferLoadsA'), 0);
    assert.equal(lib.answer, 42);
    assert.equal(lib.twice(4), 8);
    assert.deepEqual(Object.keys(lib), ['answer', 'twice']);
    assert.equal(loads('deferLoadsA'), 1);
  });

  test('answers __esModule without loading, so a TypeScript namespace import takes it as it is', () => {
    const file = path.join(tree({ 'lib.js': COUNTING('deferLoadsB') }), 'lib.js');
    deferModule(file);
    assert.equal((require(file) as { __esModule?: boolean }).__esModule, true);
    assert.equal(loads('deferLoadsB'), 0);
  });

  test('is not installed over a module already loaded', () => {
    const file = path.join(tree({ 'lib.js': COUNTING('deferLoadsC') }), 'lib.js');
    require(file);
    assert.equal(deferModule(file), false);
    assert.equal(loads('deferLoadsC'), 1);
  });
});

describe('a bundled dependency', () => {
  test("is deferred only when the package has a copy of its own, never the project's shared copy", () => {
    const root = tree({
      'node_modules/own/index.js': '',
      'node_modules/own/node_modules/dep/index.js': COUNTING('deferLoadsD'),
      'node_modules/hoisted/index.js': '',
      'node_modules/dep/index.js': COUNTING('deferLoadsE'),
    });
    assert.equal(deferBundledDependency('hoisted', 'dep', root), false);
    assert.equal(deferBundledDependency('own', 'dep', root), true);
    assert.equal(loads('deferLoadsD'), 0);
    assert.equal((require(path.join(root, 'node_modules/own/node_modules/dep/index.js')) as { answer: number }).answer, 42);
    assert.equal(loads('deferLoadsD'), 1);
  });
});
