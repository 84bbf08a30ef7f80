// Worker-thread entry of the intake's git writer (see writer-thread.ts). Plain JavaScript so it can register the
// TypeScript loader first when the process was not started with `--import tsx` (the `airlock` executable
// registers it in the main thread only).
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
if (typeof require.extensions['.ts'] !== 'function') require('tsx/cjs/api').register();
const { writeAndPropose } = require('./writer.ts');

parentPort.on('message', (message) => {
  writeAndPropose(workerData, message.jobs).then(
    (results) => parentPort.postMessage({ seq: message.seq, results }),
    (error) => parentPort.postMessage({ seq: message.seq, error: String((error && error.stack) || error) }),
  );
});
