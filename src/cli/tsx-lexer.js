// Waits for tsx's WebAssembly ES-module lexer. Plain JavaScript: it runs before the TypeScript loader exists.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/**
 * Resolves once tsx's WebAssembly lexer is in use. tsx lexes every TypeScript file it loads (it looks for
 * `import.meta`) before it even consults its transform cache; its WebAssembly lexer is compiled
 * asynchronously when tsx registers, so a program that does all its work in the first tick, as the CLI does,
 * lexes every file with the JavaScript fallback instead: 40–80 ms of an incremental `synth` measured here.
 * Awaiting the lexer module's `init` and then one turn of the event loop (tsx's own continuation, queued on
 * the same promise, installs the lexer) costs next to nothing when the compile has finished meanwhile (call
 * this after loading the CLI's first modules).
 *
 * tsx ships the lexer as an internal chunk (`dist/lexer-<hash>.cjs`): when a tsx release has no such chunk,
 * or its init fails, this resolves at once and only speed is lost.
 */
function whenTsxLexerReady() {
  let init;
  try {
    const dist = path.resolve(path.dirname(require.resolve('tsx/cjs/api')), '../..');
    const chunk = fs.readdirSync(dist).find((f) => /^lexer-[\w-]+\.cjs$/.test(f));
    init = chunk ? require(path.join(dist, chunk)).init : undefined;
  } catch {
    init = undefined;
  }
  if (!init || typeof init.then !== 'function') return Promise.resolve();
  return Promise.resolve(init)
    .catch(() => undefined)
    .then(() => new Promise((resolve) => setImmediate(resolve)));
}

module.exports = { whenTsxLexerReady };
