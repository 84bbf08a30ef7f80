/**
 * The durable side of the queue: every accepted alert is written to its own file (and fsynced) before the
 * sender is told 202, and removed once its incident is proposed or refused for good. If the process dies in
 * between — killed, OOM, node drained — the next start reads the files back and proposes them, so an accepted
 * alert is never lost. Replaying is safe because recording is idempotent: an alert id already in its incident
 * is not added twice, and a proposal of unchanged files commits nothing.
 *
 * Alerts whose proposal failed for a reason that may pass (the remote unreachable, a push race lost every
 * time, the settings or guardrails broken) stay in the journal and are retried at the next start;
 * only alerts whose incident was refused before its file was written are dropped.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Alert } from './alert';

/** What one journal file holds. */
export interface JournalEntry {
  readonly version: 1;
  /** The alert as normalised when accepted (re-matched against the rules on replay). */
  readonly alert: Alert;
  /** Server time it was accepted at, in ms: the clock replay uses for the dedup window and the id's date. */
  readonly acceptedAt: number;
}

/** A journal entry and the file it came from. */
export interface StoredEntry {
  readonly file: string;
  readonly entry: JournalEntry;
}

/** A directory of pending alerts. */
export class Journal {
  private seq = 0;

  constructor(
    /** Created if missing. Keep it outside `incidents/` and `dist/`, on a persistent volume in a cluster. */
    readonly dir: string,
  ) {
    fs.mkdirSync(dir, { recursive: true });
  }

  /**
   * Writes one entry durably and returns its file name: the file is created under its final name, its bytes
   * flushed (fsync), then the folder's entry for it (fsync of the folder), before the caller answers 202.
   *
   * Why no temp file and rename: a rename is durable only once the folder is flushed after it, which costs a
   * second journal commit per alert on ext4; a new file's entry is in the same commit as its bytes, so the
   * folder's flush finds nothing left to do there (and keeps the guarantee on file systems where it would).
   * A crash before the flushes leaves at worst a partial file for an alert never acknowledged: replay sets
   * it aside as unreadable.
   */
  record(alert: Alert, acceptedAt: number): string {
    const name = `${String(acceptedAt).padStart(14, '0')}-${process.pid}-${String(this.seq++).padStart(6, '0')}-${createHash('sha256').update(alert.id).digest('hex').slice(0, 8)}.json`;
    const entry: JournalEntry = { version: 1, alert, acceptedAt };
    const fd = fs.openSync(path.join(this.dir, name), 'wx', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify(entry));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    this.flushFolder();
    return name;
  }

  /** fsync of the journal folder, so that the entries created in it survive a crash of the machine. */
  private flushFolder(): void {
    const fd = fs.openSync(this.dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Removes entries that are done with. */
  remove(files: readonly string[]): void {
    for (const f of files) fs.rmSync(path.join(this.dir, f), { force: true });
  }

  /** Renames entries that cannot be read to `<name>.unreadable`: kept for a person to inspect, never retried. */
  setAside(files: readonly string[]): void {
    for (const f of files) fs.renameSync(path.join(this.dir, f), path.join(this.dir, `${f}.unreadable`));
  }

  /** Every pending entry, oldest first; unreadable files are returned as problems, never thrown. */
  pending(): { readonly entries: StoredEntry[]; readonly unreadable: string[] } {
    const entries: StoredEntry[] = [];
    const unreadable: string[] = [];
    for (const file of fs.readdirSync(this.dir).filter((f) => f.endsWith('.json')).sort()) {
      try {
        const entry = JSON.parse(fs.readFileSync(path.join(this.dir, file), 'utf8')) as JournalEntry;
        if (entry?.version !== 1 || typeof entry.acceptedAt !== 'number' || typeof entry.alert?.id !== 'string') throw new Error('not a journal entry');
        entries.push({ file, entry });
      } catch {
        unreadable.push(file);
      }
    }
    return { entries, unreadable };
  }
}
