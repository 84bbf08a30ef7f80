/**
 * Keeps the webhook's blocklists in step with their directory: reloads when it changes (fs.watch, debounced),
 * when asked (SIGHUP), and optionally on a timer as a safety net for file systems whose change events are
 * unreliable. A reload that fails keeps the previous blocklists: a half-written or broken update must not
 * turn into "nothing is blocked".
 *
 * Why not `fs.watch(dir, { recursive: true })`: kubelet replaces mounted ConfigMaps by swapping the `..data`
 * symlink, which only the directory holding the link sees, and the generation directories behind it are
 * deleted a moment later (a watch on them would die with them). So the watcher keeps one non-recursive watch
 * per directory the last read said matters ({@link BlocklistDirectory.watchDirs}), keyed by real path, and
 * re-derives that set after every read: a new incident folder is watched from the reload that found it.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import type { Blocklist } from '../admission/blocklist';
import { readBlocklistDirectory, SNAPSHOT_LINK, type BlocklistDirectory } from './blocklist-source';

/** What started a reload; logged so an operator can tell a file change from a signal or the resync timer. */
export type ReloadTrigger = 'start' | 'change' | 'signal' | 'interval' | 'manual';

/** A successful read of the directory. */
export interface BlocklistReload {
  readonly blocklists: readonly Blocklist[];
  /** Whether the blocklists differ from the ones enforced before (false on a no-op resync). */
  readonly changed: boolean;
  readonly trigger: ReloadTrigger;
}

/** A failed read: the previous blocklists stay in force. */
export interface BlocklistReloadFailure {
  readonly error: Error;
  readonly trigger: ReloadTrigger;
}

/** Events of {@link BlocklistWatcher}. */
export interface BlocklistWatcherEvents {
  /** After every successful read, once the new blocklists are current. */
  reloaded: [BlocklistReload];
  /** After every failed read. */
  'reload-failed': [BlocklistReloadFailure];
  /** `requireSnapshot` is set and the directory holds no `..data` yet: nothing is enforced, nothing is ready. */
  waiting: [{ readonly trigger: ReloadTrigger }];
}

/** Options of {@link BlocklistWatcher}. */
export interface BlocklistWatcherOptions {
  /** The blocklist directory (dist/ or the mounted ConfigMaps). */
  readonly dir: string;
  /** Quiet time after the last change event before reading; editors and kubelet write in bursts. @default 100 */
  readonly debounceMs?: number;
  /** Re-read this often even without change events; 0 turns it off. @default 0 */
  readonly resyncIntervalMs?: number;
  /**
   * Treat the directory as not loaded until it holds a `..data` link (a kubelet mount, or the sidecar's first
   * complete snapshot). Without it, an empty directory written a moment before the sidecar's first sync would
   * mean "nothing is blocked" and the pod would report ready. @default false
   */
  readonly requireSnapshot?: boolean;
}

/** A stable fingerprint of blocklists, to tell a real change from a no-op reload. */
function fingerprint(blocklists: readonly Blocklist[]): string {
  return JSON.stringify(blocklists.map((b) => [b.incident, b.reason, [...b.digests].sort(), [...b.tags].sort(), [...b.repositories].sort()]));
}

/**
 * Watches a blocklist directory and emits `reloaded` with each good read. Listeners run synchronously, so a
 * server that swaps its blocklists in a `reloaded` listener enforces them before anyone else hears of it.
 */
export class BlocklistWatcher extends EventEmitter<BlocklistWatcherEvents> {
  private currentLists: readonly Blocklist[] | undefined;
  private currentPrint = '';
  private readonly watchers = new Map<string, fs.FSWatcher>();
  private debounce: NodeJS.Timeout | undefined;
  private interval: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again: ReloadTrigger | undefined;
  private closed = false;

  constructor(readonly options: BlocklistWatcherOptions) {
    super();
  }

  /** The blocklists in force, or undefined while none were loaded yet (waiting for a snapshot). */
  get blocklists(): readonly Blocklist[] | undefined {
    return this.currentLists;
  }

  /**
   * First read, then watching. Throws the BlocklistLoadError when the first read fails: a server must not
   * start enforcing an empty list because of a typo in the path. Resolves to undefined while waiting for a
   * snapshot (see `requireSnapshot`).
   */
  async start(): Promise<readonly Blocklist[] | undefined> {
    const first = await readBlocklistDirectory(this.options.dir);
    this.apply(first, 'start');
    const every = this.options.resyncIntervalMs ?? 0;
    if (every > 0) this.interval = setInterval(() => void this.reload('interval'), every).unref();
    return this.currentLists;
  }

  /**
   * Reads the directory again. Calls while a read runs are folded into one more read after it, so a burst of
   * signals costs two reads, and the promise resolves once the directory has been read after the call.
   */
  reload(trigger: ReloadTrigger = 'manual'): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = trigger;
      return this.running;
    }
    this.running = (async () => {
      let next: ReloadTrigger | undefined = trigger;
      while (next !== undefined && !this.closed) {
        this.again = undefined;
        await this.readOnce(next);
        next = this.again;
      }
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stops watching; the blocklists stay readable. */
  close(): void {
    this.closed = true;
    clearTimeout(this.debounce);
    clearInterval(this.interval);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private async readOnce(trigger: ReloadTrigger): Promise<void> {
    let read: BlocklistDirectory;
    try {
      read = await readBlocklistDirectory(this.options.dir);
    } catch (e) {
      if (this.closed) return;
      // Keep every watch (the fix may land in any watched folder) and make sure the top one exists.
      this.watch([...this.watchers.keys(), this.options.dir]);
      this.emit('reload-failed', { error: e as Error, trigger });
      return;
    }
    if (!this.closed) this.apply(read, trigger);
  }

  private apply(read: BlocklistDirectory, trigger: ReloadTrigger): void {
    this.watch(read.watchDirs);
    if (this.options.requireSnapshot && !read.snapshot) {
      if (this.currentLists === undefined) this.emit('waiting', { trigger });
      else this.emit('reload-failed', { error: new Error(`${this.options.dir}/${SNAPSHOT_LINK} disappeared; keeping the blocklists loaded before`), trigger });
      return;
    }
    const print = fingerprint(read.blocklists);
    const changed = this.currentLists === undefined || print !== this.currentPrint;
    this.currentLists = read.blocklists;
    this.currentPrint = print;
    this.emit('reloaded', { blocklists: read.blocklists, changed, trigger });
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.reload('change'), this.options.debounceMs ?? 100);
  }

  /** Watches exactly `dirs` (by real path, so a directory replaced behind a symlink is watched anew). */
  private watch(dirs: readonly string[]): void {
    if (this.closed) return;
    const wanted = new Set<string>();
    for (const dir of dirs) {
      try {
        wanted.add(fs.realpathSync(dir));
      } catch {
        // Gone between the read and now: the change event that removed it schedules another read.
      }
    }
    for (const [real, watcher] of this.watchers) {
      if (!wanted.has(real)) {
        watcher.close();
        this.watchers.delete(real);
      }
    }
    for (const real of wanted) {
      if (this.watchers.has(real)) continue;
      try {
        const watcher = fs.watch(real, { persistent: false }, () => this.schedule());
        watcher.on('error', () => {
          // The directory itself went away (deleted or unmounted); find out what replaced it.
          watcher.close();
          if (this.watchers.get(real) === watcher) this.watchers.delete(real);
          this.schedule();
        });
        this.watchers.set(real, watcher);
      } catch {
        // Out of inotify watches, or no permission: the resync timer (if set) and SIGHUP still reload.
      }
    }
  }
}
