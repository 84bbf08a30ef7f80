/**
 * A long-running process (the intake's writer) loads the incident files it writes again and again: a fresh
 * load reuses the compiled module exactly when the file's bytes are the ones it was compiled from.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { adoptLoadedModule, loadDefaultExport } from '../../src/project/load-module';
import { tempDir } from '../support/temp-dir';

function folder(): string {
  return tempDir('airlock-reuse-');
}

function valueOf(file: string, options: { fresh?: boolean } = {}): unknown {
  const loaded = loadDefaultExport(file, 'incidents/X.ts', options);
  assert.ok(loaded.ok, JSON.stringify(loaded));
  return loaded.value;
}

describe('fresh loads of a file loaded before', () => {
  test('unchanged bytes give the module compiled before', () => {
    const file = path.join(folder(), 'same.ts');
    fs.writeFileSync(file, 'export default { n: 1 };\n');
    const first = valueOf(file, { fresh: true });
    assert.equal(valueOf(file, { fresh: true }), first);
  });

  test('changed bytes are compiled again, even at the same size and within the same millisecond', () => {
    const file = path.join(folder(), 'edited.ts');
    fs.writeFileSync(file, 'export default { n: 1 };\n');
    const stat = fs.statSync(file);
    assert.deepEqual(valueOf(file, { fresh: true }), { n: 1 });
    fs.writeFileSync(file, 'export default { n: 2 };\n');
    fs.utimesSync(file, stat.atime, stat.mtime);
    assert.deepEqual(valueOf(file, { fresh: true }), { n: 2 });
  });

  test('a file loaded without `fresh` is compiled again by the next fresh load (its bytes were never checked)', () => {
    const file = path.join(folder(), 'plain.ts');
    fs.writeFileSync(file, 'export default { n: 1 };\n');
    const first = valueOf(file);
    assert.notEqual(valueOf(file, { fresh: true }), first);
  });
});

describe('adopting the module of a validated temporary file', () => {
  test('the renamed file loads as the module compiled from the temporary one', () => {
    const dir = folder();
    const [temp, target] = [path.join(dir, '.new.ts'), path.join(dir, 'INC-1.ts')];
    const source = 'export default { id: "INC-1" };\n';
    fs.writeFileSync(temp, source);
    const compiled = valueOf(temp, { fresh: true });
    fs.renameSync(temp, target);
    adoptLoadedModule(temp, target, source);
    assert.equal(valueOf(target), compiled, 'a plain load');
    assert.equal(valueOf(target, { fresh: true }), compiled, 'a fresh load of the same bytes');
  });

  test('replaces an older module of the target, so a plain load never serves the old declaration', () => {
    const dir = folder();
    const [temp, target] = [path.join(dir, '.edit.ts'), path.join(dir, 'INC-2.ts')];
    fs.writeFileSync(target, 'export default { status: "active" };\n');
    assert.deepEqual(valueOf(target), { status: 'active' });
    const source = 'export default { status: "lifted" };\n';
    fs.writeFileSync(temp, source);
    valueOf(temp, { fresh: true });
    fs.renameSync(temp, target);
    adoptLoadedModule(temp, target, source);
    assert.deepEqual(valueOf(target), { status: 'lifted' });
  });

  test('an edit after the adoption is seen by the next fresh load', () => {
    const dir = folder();
    const [temp, target] = [path.join(dir, '.new.ts'), path.join(dir, 'INC-3.ts')];
    const source = 'export default { n: 1 };\n';
    fs.writeFileSync(temp, source);
    valueOf(temp, { fresh: true });
    fs.renameSync(temp, target);
    adoptLoadedModule(temp, target, source);
    fs.writeFileSync(target, 'export default { n: 3 };\n');
    assert.deepEqual(valueOf(target, { fresh: true }), { n: 3 });
  });
});

describe('a file reached through a symlinked folder', () => {
  test('a fresh load after an edit gives the new bytes, not the module Node filed under the real path', () => {
    const real = folder();
    const link = path.join(folder(), 'project');
    fs.symlinkSync(real, link);
    const file = path.join(link, 'INC-4.ts');
    fs.writeFileSync(file, 'export default { n: 1 };\n');
    assert.deepEqual(valueOf(file, { fresh: true }), { n: 1 });
    fs.writeFileSync(file, 'export default { n: 4 };\n');
    assert.deepEqual(valueOf(file, { fresh: true }), { n: 4 });
  });
});
