/**
 * Writing a whole file or nothing: the cache snapshots, the audit report and the bootstrap bundle are read by
 * other processes (a concurrent `synth`, a browser, `kubectl apply -f`) and must never be seen half-written,
 * nor left so by a crash or a full disk.
 */
import * as fs from 'node:fs';

/**
 * Writes `data` to `file` through a temp file beside it (same folder, so the rename never crosses a file
 * system) and a rename: a reader sees the old content or the new, never part of either. When anything fails
 * the temp file is removed, `file` is as it was, and the error is thrown (naming `file`, not the temp file).
 */
export function writeFileAtomically(file: string, data: string | Uint8Array): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, data);
    fs.renameSync(temp, file);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    // The temp file is this function's business: the error names the file the caller asked for.
    const error = e as NodeJS.ErrnoException;
    if (error?.path === temp) error.path = file;
    throw e;
  }
}
