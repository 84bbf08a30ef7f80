/**
 * Runs the intake's git writer (writer.ts) in a worker thread. Synthesizing a batch of incidents is seconds of
 * CPU in a large repository; on the server's own event loop it would hold every HTTP answer — including the
 * 202 that tells Falcosidekick an alert is safe — until it finished. In a worker the accept path stays a
 * decision and an fsync. One worker, one batch at a time (the queue guarantees it); a worker that dies is
 * replaced at the next batch, and the batch it was running fails as `internal` (its alerts stay journalled).
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WriterConfig, WriterJob, WriterResult } from './writer';

const ENTRY = path.join(__dirname, 'writer-worker.js');

/** A worker thread that proposes batches. */
export class WriterThread {
  private worker: Worker | undefined;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (r: WriterResult[]) => void; reject: (e: Error) => void }>();

  constructor(private readonly config: WriterConfig) {}

  /** Writes and proposes `jobs` in the worker; rejects only when the worker failed (not when a job did). */
  run(jobs: readonly WriterJob[]): Promise<WriterResult[]> {
    return this.ask(this.start(), { jobs });
  }

  /** Starts the worker now, so that the first alert does not wait for it to load the synthesis and git modules. */
  warm(): void {
    this.start();
  }

  /**
   * Stops the worker (after the batch it runs, if any, has been answered or abandoned), once a background
   * repack it started has finished (see backgroundDone in writer.ts).
   */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    await this.ask(worker, { settle: true }).catch(() => undefined);
    await worker.terminate();
  }

  /** Posts a message to the worker; resolves with its answer. */
  private ask(worker: Worker, message: { jobs: readonly WriterJob[] } | { settle: true }): Promise<WriterResult[]> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      worker.postMessage({ seq, ...message });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    // Functions (a test's fetch) cannot cross into a thread; the environment for the forge token can.
    const { forge, ...rest } = this.config;
    const workerData: WriterConfig = { ...rest, ...(forge?.env ? { forge: { env: forge.env, ...(forge.timeoutMs ? { timeoutMs: forge.timeoutMs } : {}) } } : {}) };
    const worker = new Worker(ENTRY, { workerData });
    // Never what keeps the process alive: shutdown waits for the queue, not for the thread.
    worker.unref();
    worker.on('message', (message: { seq: number; results?: WriterResult[]; error?: string }) => {
      const waiter = this.waiting.get(message.seq);
      this.waiting.delete(message.seq);
      if (message.results) waiter?.resolve(message.results);
      else waiter?.reject(new Error(message.error ?? 'the writer thread failed'));
    });
    const fail = (error: Error): void => {
      if (this.worker === worker) this.worker = undefined;
      for (const w of this.waiting.values()) w.reject(error);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the writer thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }
}
