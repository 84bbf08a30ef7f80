/**
 * The CLI's V8 code cache (src/cli/code-cache.js): a module compiled with it behaves as without it, the next
 * process reuses the compiled code, and nothing but the exact source a cache file was made from ever runs.
 * Each case runs real Node processes over modules in a temp dir, as the CLI does across runs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { tempTree } from '../support/temp-dir';

const CODE_CACHE = path.resolve(__dirname, '../../src/cli/code-cache.js');
const TSX = require.resolve('tsx/cjs/api');

interface Run {
  readonly value: unknown;
  readonly hits: number;
  readonly misses: number;
  /** .ts files that went to tsx (TypeScript runs only). */
  readonly tsx?: number;
}

/** A temp dir with `files` (relative path → text). */
function tree(files: Record<string, string>): string {
  return tempTree('airlock-code-cache-', files);
}

/**
 * In a new Node process: installs the cache for files under `root/lib`, requires `root/lib/<main>`, reports.
 * For a `.ts` main, tsx is registered first and its output cached under `key`, as the CLI does.
 */
function run(root: string, options: { cacheDir?: string; main?: string; key?: string } = {}): Run {
  const { cacheDir = path.join(root, 'cache'), main = 'main.js', key = 'key' } = options;
  const script = `
    const path = require('node:path');
    const lib = path.join(${JSON.stringify(root)}, 'lib') + path.sep;
    const { counters, cacheTypeScript } = require(${JSON.stringify(CODE_CACHE)}).installCodeCache({ dir: ${JSON.stringify(cacheDir)}, eligible: (f) => f.startsWith(lib) });
    let tsx;
    if (${JSON.stringify(main)}.endsWith('.ts')) {
      require(${JSON.stringify(TSX)}).register();
      const transform = require.extensions['.ts'];
      tsx = 0;
      require.extensions['.ts'] = function (module, filename) { tsx++; return transform.call(this, module, filename); };
      cacheTypeScript(${JSON.stringify(key)});
    }
    let value;
    try { value = require(lib + ${JSON.stringify(main)}); } catch (e) { value = { error: e.name + ': ' + e.message }; }
    process.stdout.write(JSON.stringify({ value, ...counters, tsx }));`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, TMPDIR: path.join(root, 'tmp') } });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as Run;
}

const MODULES = {
  'lib/main.js': `#!/usr/bin/env node
const { twice } = require('./math');
module.exports = { answer: twice(21), dir: require('node:path').basename(__dirname), resolved: require.resolve('./math') === __dirname + '/math.js', cached: require.cache[__filename] === module };`,
  'lib/math.js': 'exports.twice = (n) => n * 2;',
};

describe('V8 code cache', () => {
  test('a module runs as without the cache, and the next process reuses its compiled code', () => {
    const root = tree(MODULES);
    const expected = { answer: 42, dir: 'lib', resolved: true, cached: true };
    const first = run(root);
    assert.deepEqual(first, { value: expected, hits: 0, misses: 2 });
    assert.deepEqual(run(root), { value: expected, hits: 2, misses: 0 });
  });

  test('an edited module runs its new source, even at the same length', () => {
    const root = tree({ 'lib/main.js': 'module.exports = 1;' });
    assert.equal(run(root).value, 1);
    fs.writeFileSync(path.join(root, 'lib/main.js'), 'module.exports = 2;');
    assert.deepEqual(run(root), { value: 2, hits: 0, misses: 1 });
    assert.deepEqual(run(root), { value: 2, hits: 1, misses: 0 });
  });

  test('a damaged cache file is ignored and replaced', () => {
    const root = tree(MODULES);
    run(root);
    const cache = path.join(root, 'cache');
    for (const file of fs.readdirSync(cache)) {
      const bytes = fs.readFileSync(path.join(cache, file));
      fs.writeFileSync(path.join(cache, file), Buffer.concat([bytes.subarray(0, 20), Buffer.from('not V8 code')]));
    }
    assert.deepEqual(run(root), { value: { answer: 42, dir: 'lib', resolved: true, cached: true }, hits: 0, misses: 2 });
    assert.equal(run(root).hits, 2);
  });

  test('a cache folder that cannot be written only costs speed', () => {
    const root = tree({ ...MODULES, 'not-a-folder': '' });
    const cacheDir = path.join(root, 'not-a-folder', 'cache');
    assert.deepEqual(run(root, { cacheDir }), { value: { answer: 42, dir: 'lib', resolved: true, cached: true }, hits: 0, misses: 2 });
    assert.equal(run(root, { cacheDir }).misses, 2);
  });

  test("a TypeScript module's tsx output is served from the cache while its source and key are unchanged", () => {
    const root = tree({ 'lib/main.ts': "import { twice } from './math';\nconst n: number = twice(21);\nexport = n;\n", 'lib/math.ts': 'export const twice = (n: number): number => n * 2;\n' });
    assert.deepEqual(run(root, { main: 'main.ts' }), { value: 42, hits: 0, misses: 2, tsx: 2 });
    assert.deepEqual(run(root, { main: 'main.ts' }), { value: 42, hits: 2, misses: 0, tsx: 0 });
    assert.deepEqual(run(root, { main: 'main.ts', key: 'another tsconfig' }), { value: 42, hits: 0, misses: 2, tsx: 2 });
  });

  test('an edited TypeScript module goes to tsx again, even at the same length', () => {
    const root = tree({ 'lib/main.ts': 'const n: number = 1;\nexport = n;\n' });
    assert.equal(run(root, { main: 'main.ts' }).value, 1);
    fs.writeFileSync(path.join(root, 'lib/main.ts'), 'const n: number = 2;\nexport = n;\n');
    assert.deepEqual(run(root, { main: 'main.ts' }), { value: 2, hits: 0, misses: 1, tsx: 1 });
  });

  test('a syntax error is reported as Node reports it', () => {
    const root = tree({ 'lib/main.js': 'module.exports = ;' });
    assert.deepEqual(run(root).value, { error: "SyntaxError: Unexpected token ';'" });
  });
});
