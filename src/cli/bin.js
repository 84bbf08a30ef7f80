#!/usr/bin/env node
// The `airlock` executable: registers the TypeScript loader (incidents and policies are TypeScript), then runs the CLI.
'use strict';
// V8's compiled code of node_modules and of Airlock's own src/ is kept between runs: see code-cache.js.
// Declaration files (incidents/, policies/) are compiled as usual, their source maps registered.
// Airlock's own .ts files are served from it without tsx while their source is unchanged (set up below).
let codeCache;
if (process.env.AIRLOCK_CODE_CACHE !== '0') {
  const path = require('node:path');
  const own = `${path.resolve(__dirname, '..')}${path.sep}`;
  const nodeModules = `${path.sep}node_modules${path.sep}`;
  const { codeCacheDir, installCodeCache } = require('./code-cache');
  codeCache = installCodeCache({ dir: codeCacheDir(__dirname), eligible: (file) => file.includes(nodeModules) || file.startsWith(own) });
}
// commander is plain CommonJS: loaded before the TypeScript hook, tsx does not inspect its files (~30 ms a run).
require('commander');
const nodeJsHandler = require.extensions['.js'];
require('tsx/cjs/api').register();
// Dependencies' CommonJS files (cdk8s, yaml, ...) skip tsx: see commonjs-fast-path.js.
require('./commonjs-fast-path').installCommonJsFastPath(nodeJsHandler);
if (codeCache) codeCache.cacheTypeScript(require('./code-cache').tsxTransformKey());
// cdk8s loads its private copy of yaml (71 files, 40-60 ms) for App.synth and Include, which the CLI never
// calls (Airlock writes its YAML itself): loaded on first use instead.
require('./defer-module').deferBundledDependency('cdk8s', 'yaml');
// `airlock list | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
const main = require('./main.ts');
// The rest runs once tsx lexes with WebAssembly: see tsx-lexer.js.
require('./tsx-lexer')
  .whenTsxLexerReady()
  .then(() => main.run(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
    // Done: exit now rather than let Node wind the loop down, which waits for V8's background work (GC and compile
    // tasks: 10-20 ms of a one-change synth here). Only with nothing left to finish:
    // - output still to flush: writes to files and pipes are synchronous on Linux, not on every platform;
    // - a file write in flight: tsx saves what it transpiled to its cache with fs.promises.writeFile, and exiting
    //   under it left empty cache files, so every later run transpiled those files again (the project's policies:
    //   ~90 ms of esbuild each run). Looked at after the pending callbacks and microtasks (setImmediate), where
    //   a write's next step (open, write, close) has been issued.
    setImmediate(() => {
      // Without the means to tell (getActiveResourcesInfo is marked experimental), the loop winds down as usual.
      const writing = typeof process.getActiveResourcesInfo !== 'function' || process.getActiveResourcesInfo().some((r) => r.startsWith('FSReq'));
      if (!writing && process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit();
    });
  });
