// The worker thread of transpileAllSync (direct-transpile.ts): transpiles every job through esbuild's asynchronous API
// at once, posts the results and wakes the waiting thread. Plain JavaScript: a worker thread has no TypeScript loader.
'use strict';
const { workerData } = require('node:worker_threads');

const { esbuildFile, jobs, options, port, signal } = workerData;

/** Posts `message` and wakes the thread waiting on `signal`, whatever happened before. */
function answer(message) {
  try {
    port.postMessage(message);
  } finally {
    Atomics.store(signal, 0, 1);
    Atomics.notify(signal, 0);
  }
}

(async () => {
  let esbuild;
  try {
    esbuild = require(esbuildFile);
    const results = await Promise.all(
      jobs.map(({ filename, source }) =>
        esbuild.transform(source, { ...options, sourcefile: filename }).then(
          (r) => ({ code: r.code }),
          // The caller loads a file that fails here the usual way, which reports the error with its location.
          () => ({}),
        ),
      ),
    );
    answer({ results });
  } catch (error) {
    answer({ error: error instanceof Error ? error.message : String(error) });
  } finally {
    if (esbuild) await esbuild.stop();
  }
})();
