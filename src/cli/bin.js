#!/usr/bin/env node
// The `airlock` executable: registers the TypeScript loader (incidents and policies are TypeScript), then runs the CLI.
'use strict';
require('tsx/cjs/api').register();
require('./main.ts')
  .run(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
