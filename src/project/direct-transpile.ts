/**
 * Requires a TypeScript declaration file transpiled by one short-lived esbuild process instead of tsx's
 * esbuild worker thread. tsx transpiles through esbuild's synchronous API, which boots a worker thread on its
 * first call (65–100 ms measured on the 2-core VM); when a run has only one or two new files to transpile
 * (the edited incident of an incremental `synth`, the file `airlock new` just wrote) that boot is most of the
 * cost, where one esbuild process per file costs 16–25 ms. tsx's own transform cache makes every file it has
 * seen before free, so this is only for files whose bytes are new.
 *
 * The output is what tsx produces for such a file in every way that matters to a declaration: CommonJS, the
 * same esbuild, an inline source map (an exception thrown while the file runs still points at its TypeScript
 * line; tsx has turned Node's source-map support on), the same error text for a syntax error ("<file>:<line>:
 * <col>: ERROR: ..."). Files that use `import.meta`, which tsx rewrites for CommonJS and esbuild alone does
 * not, go through tsx.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type * as Esbuild from 'esbuild';

let esbuild: typeof Esbuild | undefined;

/** esbuild's main module: tsx's dependency, not Airlock's, so resolved from tsx's folder. */
function esbuildFile(): string {
  return require.resolve('esbuild', { paths: [path.dirname(require.resolve('tsx/cjs/api'))] });
}

/**
 * An esbuild instance of our own, loaded with `ESBUILD_WORKER_THREADS=0` so that its synchronous calls run
 * the esbuild binary as a child process. esbuild reads that variable once, when its module loads, so tsx's
 * instance (the one in the require cache) is set aside while this one loads, then put back. esbuild is
 * resolved from tsx's folder: it is tsx's dependency, not Airlock's.
 */
function directEsbuild(): typeof Esbuild {
  if (esbuild) return esbuild;
  const file = esbuildFile();
  const shared = require.cache[file];
  const workerThreads = process.env.ESBUILD_WORKER_THREADS;
  delete require.cache[file];
  process.env.ESBUILD_WORKER_THREADS = '0';
  try {
    esbuild = require(file) as typeof Esbuild;
  } finally {
    if (workerThreads === undefined) delete process.env.ESBUILD_WORKER_THREADS;
    else process.env.ESBUILD_WORKER_THREADS = workerThreads;
    if (shared) require.cache[file] = shared;
    else delete require.cache[file];
  }
  return esbuild;
}

/** Whether {@link requireTranspiledDirectly} handles this source like tsx would (see the module comment). */
export function canTranspileDirectly(source: string): boolean {
  return !source.includes('import.meta');
}

/** The esbuild options that give what tsx gives for a declaration file (see the module comment). */
function transformOptions(filename: string): Esbuild.TransformOptions {
  return { loader: 'ts', format: 'cjs', platform: 'node', target: `node${process.versions.node}`, sourcefile: filename, sourcemap: 'inline', keepNames: true };
}

/**
 * `source` (the bytes of `filename`, existing or about to be written) transpiled as
 * {@link requireTranspiledDirectly} would, through esbuild's asynchronous API: one long-lived esbuild process per process, no worker thread, no
 * synchronous wait. For a long-running writer that knows a file's bytes before it writes them (the intake's
 * new incidents); undefined when tsx must handle the source.
 */
export async function transpileAhead(source: string, filename: string): Promise<string | undefined> {
  if (!canTranspileDirectly(source)) return undefined;
  return (await directEsbuild().transform(source, transformOptions(filename))).code;
}

/**
 * What the code {@link transpileAllSync} makes depends on besides a file's text and name: esbuild's version and
 * the transform options (which name Node's version). For caching that code (transpile-cache.ts).
 */
export function transpilerKey(): string {
  const version = (JSON.parse(fs.readFileSync(path.join(path.dirname(esbuildFile()), '..', 'package.json'), 'utf8')) as { version?: string }).version;
  return JSON.stringify([version ?? '-', transformOptions('')]);
}

/** How long {@link transpileAllSync} waits for its worker before leaving every file to the usual path. */
const TRANSPILE_ALL_TIMEOUT_MS = 120_000;

/**
 * Each of `files` (declaration files about to be loaded, with their current bytes) transpiled as
 * {@link requireTranspiledDirectly} would, all at once: a worker thread hands them all to one esbuild process
 * through its asynchronous API while this thread waits. tsx transpiles a file it has not cached in one
 * synchronous round trip to its esbuild worker, about 3 ms each here: 15 s for the 5,000 incident files of a
 * fresh clone's `synth --check`, where esbuild's asynchronous API takes about 0.6 ms a file. The worker and
 * esbuild take some 50 ms to start, so this is for loads of many files. An entry is undefined for a file that
 * tsx must handle (see canTranspileDirectly) or that esbuild refused (loaded the usual way, its error is
 * reported with its location); all are undefined when the worker could not do its job.
 */
export function transpileAllSync(files: readonly { readonly filename: string; readonly source: string }[]): (Transpiled | undefined)[] {
  const jobs = files.filter((f) => canTranspileDirectly(f.source));
  const results = new Map<string, Transpiled>();
  if (jobs.length > 0) {
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(path.join(__dirname, 'bulk-transpile-worker.js'), {
      // Each job's file name is its `sourcefile`.
      workerData: { esbuildFile: esbuildFile(), jobs, options: transformOptions(''), port: port2, signal },
      transferList: [port2],
      // The worker is plain JavaScript: no loader flags of this process (tsx's --import in tests) to boot.
      execArgv: [],
    });
    try {
      Atomics.wait(signal, 0, 0, TRANSPILE_ALL_TIMEOUT_MS);
      const answer = receiveMessageOnPort(port1)?.message as { results?: Array<{ code?: string }> } | undefined;
      answer?.results?.forEach((r, i) => {
        if (r.code !== undefined) results.set(jobs[i]!.filename, { ...jobs[i]!, code: r.code });
      });
    } finally {
      port1.close();
      void worker.terminate();
    }
  }
  return files.map((f) => results.get(f.filename));
}

/** A file's source and its code, transpiled ahead as that file (see {@link transpileAhead}). */
export interface Transpiled {
  readonly filename: string;
  readonly source: string;
  readonly code: string;
}

/**
 * `require(absolute)`, with `absolute` itself transpiled by {@link directEsbuild} (or compiled from `ahead`, when
 * it was transpiled as this file and the file's bytes are still its source) and everything it imports loaded
 * as usual (tsx). Throws what `require` would: esbuild's syntax errors, the file's own exceptions. Falls back to
 * a plain `require` when the file was already loaded, or when tsx must handle it.
 */
export function requireTranspiledDirectly(absolute: string, ahead?: Transpiled): unknown {
  const extensions = require.extensions;
  const typescript = extensions['.ts'];
  if (require.cache[absolute] || !typescript || !absolute.endsWith('.ts')) return require(absolute);
  extensions['.ts'] = (module, filename) => {
    if (filename !== absolute) return typescript(module, filename);
    const source = fs.readFileSync(filename, 'utf8');
    if (!canTranspileDirectly(source)) return typescript(module, filename);
    const code = ahead?.filename === filename && ahead.source === source ? ahead.code : directEsbuild().transformSync(source, transformOptions(filename)).code;
    (module as NodeJS.Module & { _compile(code: string, filename: string): void })._compile(code, filename);
  };
  try {
    return require(absolute);
  } finally {
    extensions['.ts'] = typescript;
  }
}
