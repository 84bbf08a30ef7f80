/** writeFileAtomically: a reader sees the old file or the new one; a failed write leaves no trace. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomically } from '../../src/files/write-file-atomically';
import { tempDir } from '../support/temp-dir';

test('replaces the file whole and leaves nothing else in its folder', () => {
  const dir = tempDir('airlock-atomic-');
  const file = path.join(dir, 'report.html');
  fs.writeFileSync(file, 'old');
  writeFileAtomically(file, 'new');
  assert.equal(fs.readFileSync(file, 'utf8'), 'new');
  assert.deepEqual(fs.readdirSync(dir), ['report.html']);
});

test('a write that fails leaves the file as it was, removes its temp file, and names the file in the error', () => {
  const dir = tempDir('airlock-atomic-');
  const file = path.join(dir, 'taken');
  // A folder where the file should go: the write of the temp file succeeds, the rename over a folder fails.
  fs.mkdirSync(file);
  fs.writeFileSync(path.join(file, 'inside'), 'kept');
  assert.throws(() => writeFileAtomically(file, 'new'), (e: NodeJS.ErrnoException) => e.code === 'EISDIR' && e.path === file);
  assert.deepEqual(fs.readdirSync(dir), ['taken']);
  assert.equal(fs.readFileSync(path.join(file, 'inside'), 'utf8'), 'kept');
});
