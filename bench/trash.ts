/**
 * Where benchmarks put what they are done with instead of deleting it: everything is deleted once, when the
 * bench process exits.
 *
 * Why: on this VM, creating files soon after many were deleted is many times slower than on a disk left
 * alone (the root file system is ext4 mounted with `discard`). Measured: 16,254 small files took 10.3 s right
 * after 60,000 were deleted, then 1.0 / 0.88 / 0.76 s for three more runs with nothing deleted in between;
 * the effect wears off over minutes. Airlock deletes nothing before it writes a fresh `dist/`, and a bare
 * remote receiving a push creates files without deleting any, so a timed run must not start on a disk that
 * the previous run's clean-up has just freed.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A folder that collects what a benchmark is done with. */
class Trash {
  private dir: string | undefined;
  private count = 0;

  /**
   * Moves `target` (a file or folder in the OS temp folder) out of the way by renaming it, then flushes the file
   * system so the next run does not share the disk with this one's writeback. One on another file system (a
   * folder in /dev/shm: memory, no disk to spare) is deleted at once. Does nothing for a path that does not exist.
   */
  put(target: string): void {
    if (!fs.existsSync(target)) return;
    this.dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-trash-'));
    try {
      fs.renameSync(target, path.join(this.dir, String(this.count++)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      fs.rmSync(target, { recursive: true, force: true });
      return;
    }
    spawnSync('sync');
  }

  /** Deletes everything put here. */
  empty(): void {
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

/** This bench process's trash, emptied when the process exits. */
export const trash = new Trash();
process.once('exit', () => trash.empty());
