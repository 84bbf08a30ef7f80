/**
 * Temporary folders for tests, removed when the test process exits. A run of the suite creates about a
 * thousand projects, remotes and sandboxes; left behind, they pile up in the machine's temp folder run after
 * run. `AIRLOCK_KEEP_TEST_DIRS=1` keeps them, to look at what a failing test left.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const made: string[] = [];

/** A new empty folder in the OS temp folder, named `<prefix>XXXXXX`; removed when this process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (made.length === 0 && process.env.AIRLOCK_KEEP_TEST_DIRS !== '1') {
    process.once('exit', () => {
      for (const d of made) fs.rmSync(d, { recursive: true, force: true });
    });
  }
  made.push(dir);
  return dir;
}
