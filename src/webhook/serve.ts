/**
 * The webhook as it runs in the cluster: the HTTPS server fed by a watcher on the blocklist directory. Kept
 * apart from the CLI so tests drive exactly what `airlock webhook serve` runs, in-process, and can wait on the
 * watcher's `reloaded` event instead of sleeping.
 */
import type { Blocklist } from '../admission/blocklist';
import { BlocklistWatcher, type BlocklistWatcherOptions } from './blocklist-watcher';
import { startWebhookServer, type WebhookServer, type WebhookServerOptions } from './server';

/** Options of {@link serveWebhook}: the server's, minus the blocklists, which come from `blocklistDir`. */
export interface ServeWebhookOptions extends Omit<WebhookServerOptions, 'blocklists'>, Omit<BlocklistWatcherOptions, 'dir'> {
  /** dist/ or the directory of mounted blocklist ConfigMaps (see blocklist-source). */
  readonly blocklistDir: string;
}

/** A running webhook and the watcher that feeds it. */
export interface RunningWebhook {
  readonly server: WebhookServer;
  /**
   * Emits `reloaded` after the server enforces new blocklists (the server's listener is registered first),
   * `reload-failed` when a read failed and the previous blocklists stay, `waiting` while no snapshot exists.
   */
  readonly watcher: BlocklistWatcher;
  /** Stops watching, then stops the server (see {@link WebhookServer.close} for `drainMs`). */
  close(drainMs?: number): Promise<void>;
}

/**
 * Reads the blocklist directory, starts the server with what it found (or not ready, when waiting for a
 * snapshot) and keeps the two in step. Fails when the first read fails, before listening: a pod that cannot
 * read its blocklists must crash visibly, not serve an empty list.
 */
export async function serveWebhook(options: ServeWebhookOptions): Promise<RunningWebhook> {
  const { blocklistDir, debounceMs, resyncIntervalMs, requireSnapshot, ...serverOptions } = options;
  const watcher = new BlocklistWatcher({
    dir: blocklistDir,
    ...(debounceMs !== undefined ? { debounceMs } : {}),
    ...(resyncIntervalMs !== undefined ? { resyncIntervalMs } : {}),
    ...(requireSnapshot !== undefined ? { requireSnapshot } : {}),
  });
  let server: WebhookServer | undefined;
  // Registered before anyone else can listen, so every other `reloaded` listener sees the server enforcing.
  watcher.on('reloaded', (r) => server?.setBlocklists(r.blocklists));
  watcher.on('reload-failed', () => server?.metrics.reloads.inc(['failure']));
  let initial: readonly Blocklist[] | undefined;
  try {
    initial = await watcher.start();
  } catch (e) {
    watcher.close();
    throw e;
  }
  try {
    server = await startWebhookServer({ ...serverOptions, ...(initial !== undefined ? { blocklists: initial } : {}) });
  } catch (e) {
    watcher.close();
    throw e;
  }
  // A reload that finished between start() and listen() would have been dropped by the `server?.` above.
  if (watcher.blocklists !== undefined && watcher.blocklists !== initial) server.setBlocklists(watcher.blocklists);
  const running = server;
  void running.closed.then(() => watcher.close());
  return {
    server: running,
    watcher,
    close: async (drainMs) => {
      watcher.close();
      await running.close(drainMs);
    },
  };
}
