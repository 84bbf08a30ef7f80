// Worker-thread entry of the intake's git writer (see writer-thread.ts). Plain JavaScript so it can register the
// TypeScript loader first when the process was not started with `--import tsx` (the `airlock` executable
// registers it in the main thread only).
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
if (typeof require.extensions['.ts'] !== 'function') require('tsx/cjs/api').register();
const { backgroundDone, writeAndPropose } = require('./writer.ts');

parentPort.on('message', (message) => {
  // `settle`: the thread is about to stop; answered once the batches' background work is done.
  const work = message.settle ? backgroundDone().then(() => []) : writeAndPropose(workerData, message.jobs);
  work.then(
    (results) => parentPort.postMessage({ seq: message.seq, results }),
    (error) => parentPort.postMessage({ seq: message.seq, error: String((error && error.stack) || error) }),
  );
});
