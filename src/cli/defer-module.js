// Defers loading a CommonJS module until its exports are first used. Plain JavaScript: the CLI's startup.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

/**
 * Puts a stand-in for the CommonJS module `file` (an absolute path) in the require cache: whoever requires it
 * gets an object that loads the real module on first use of any export, and forwards everything to it from
 * then on. For a dependency that another dependency loads eagerly but the CLI rarely calls. The stand-in says
 * `__esModule: true` without loading, so TypeScript's `__importStar` hands it over as it is. Does nothing
 * when the file does not exist or is loaded already. Returns whether the stand-in was installed.
 */
function deferModule(file) {
  let real;
  try {
    real = fs.realpathSync(file);
  } catch {
    return false;
  }
  if (require.cache[real]) return false;
  let exports;
  const load = () => {
    if (exports === undefined) {
      delete require.cache[real];
      exports = require(real);
    }
    return exports;
  };
  const standIn = new Module(real);
  standIn.filename = real;
  standIn.loaded = true;
  standIn.exports = new Proxy(Object.create(null), {
    get: (_, key) => (key === '__esModule' && exports === undefined ? true : load()[key]),
    has: (_, key) => key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
      // The proxy's own target is empty: a descriptor it reports must be configurable.
      return descriptor && { ...descriptor, configurable: true };
    },
  });
  require.cache[real] = standIn;
  return true;
}

/**
 * Defers `dependency` as `pkg` resolves it, but only when `pkg` has a copy of its own in its node_modules
 * (a private copy: nobody else requires that file, so the stand-in can only meet `pkg`'s own code).
 * `pkg` is resolved from `from` (default: this folder). Returns whether it did.
 */
function deferBundledDependency(pkg, dependency, from = __dirname) {
  try {
    const main = require.resolve(pkg, { paths: [from] });
    const marker = `${path.sep}node_modules${path.sep}${pkg}${path.sep}`;
    const root = main.slice(0, main.lastIndexOf(marker) + marker.length);
    const file = require.resolve(dependency, { paths: [root] });
    return file.startsWith(`${root}node_modules${path.sep}`) && deferModule(file);
  } catch {
    return false;
  }
}

module.exports = { deferModule, deferBundledDependency };
