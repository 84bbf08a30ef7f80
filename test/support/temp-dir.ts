/**
 * Temporary folders for tests, removed when the test process exits. A run of the suite creates about a
 * thousand projects, remotes and sandboxes; left behind, they pile up in the machine's temp folder run after
 * run. `AIRLOCK_KEEP_TEST_DIRS=1` keeps them, to look at what a failing test left.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const made: string[] = [];

/**
 * Removes `file` (or folder) when this process exits, unless AIRLOCK_KEEP_TEST_DIRS=1. Last registered, first
 * removed: a path may lead through a folder registered before it (a project's node_modules symlink).
 */
export function removeAtExit(file: string): void {
  if (made.length === 0 && process.env.AIRLOCK_KEEP_TEST_DIRS !== '1') {
    process.once('exit', () => {
      for (const f of made.reverse()) fs.rmSync(f, { recursive: true, force: true });
    });
  }
  made.push(file);
}

/** A new empty folder in the OS temp folder, named `<prefix>XXXXXX`; removed when this process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  removeAtExit(dir);
  return dir;
}

/** A {@link tempDir} holding `files` (relative path → text), sub-folders created as needed; returns its root. */
export function tempTree(prefix: string, files: Readonly<Record<string, string>>): string {
  const root = tempDir(prefix);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  return root;
}
