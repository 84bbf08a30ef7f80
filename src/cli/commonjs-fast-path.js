// Loads the CommonJS files of node_modules with Node's own loader once tsx is registered. Plain JavaScript:
// it runs before the TypeScript loader exists.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

/** `"type"` of the nearest package.json by folder, as Node resolves it ("commonjs" when none says otherwise). */
const packageTypes = new Map();

function packageType(dir) {
  let type = packageTypes.get(dir);
  if (type !== undefined) return type;
  let json;
  try {
    json = fs.readFileSync(path.join(dir, 'package.json'), 'utf8');
  } catch {
    json = undefined;
  }
  if (json !== undefined) {
    try {
      type = JSON.parse(json).type === 'module' ? 'module' : 'commonjs';
    } catch {
      type = 'unknown'; // Node would refuse it; tsx decides.
    }
  } else {
    const parent = path.dirname(dir);
    // Node stops looking at a node_modules folder and at the file system root.
    type = parent === dir || dir.endsWith(`${path.sep}node_modules`) ? 'commonjs' : packageType(parent);
  }
  packageTypes.set(dir, type);
  return type;
}

/** Runs `load` with Node's source-map support set to `enabled`, restoring it afterwards. */
function withSourceMaps(enabled, load) {
  const before = process.sourceMapsEnabled;
  if (before === undefined || before === enabled) return load();
  process.setSourceMapsEnabled(enabled);
  try {
    return load();
  } finally {
    process.setSourceMapsEnabled(before);
  }
}

/**
 * Call right after tsx's `register()`, with the `.js` handler Node had before it. tsx hooks every `.js` file,
 * dependencies included: it reads each one and lexes it for ESM syntax (every CommonJS file that mentions
 * `exports` is lexed), and it turns Node's source-map support on, so Node decodes and parses the inline source
 * map of every cdk8s file it compiles. For a `.js` file under node_modules in a CommonJS package that is
 * wasted work: tsx would hand Node the same text. Those files now go to Node's own handler, with source maps
 * off while they compile (their stack traces show the compiled JavaScript, as under plain Node); every other
 * file — TypeScript, the project's own files, ES-module packages — still goes through tsx, source maps on, so
 * an error in an incident file still points at its TypeScript line. Measured on a one-incident `synth` among
 * 5,000: loading cdk8s took about half the time (see the commit message).
 */
function installCommonJsFastPath(nodeJsHandler) {
  const tsxHandler = Module._extensions['.js'];
  if (tsxHandler === nodeJsHandler) return;
  Module._extensions['.js'] = function commonJsFastPath(module, filename) {
    if (filename.endsWith('.js') && filename.includes(NODE_MODULES) && packageType(path.dirname(filename)) === 'commonjs') {
      return withSourceMaps(false, () => nodeJsHandler.call(this, module, filename));
    }
    return withSourceMaps(true, () => tsxHandler.call(this, module, filename));
  };
}

module.exports = { installCommonJsFastPath, packageType };
