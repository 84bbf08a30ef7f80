// Keeps V8's compiled code of the CLI's own modules between runs. Plain JavaScript: it is installed before the
// TypeScript loader exists.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

/** Bytes of the sha1 of a module's source that open its cache file. */
const DIGEST_BYTES = 20;

/** Whether {@link installCodeCache} ran in this process. */
let installed = false;

function sha1(text) {
  return crypto.createHash('sha1').update(text).digest();
}

/** A `require` for `mod`, as Node builds it for a module it compiles itself. */
function makeRequire(mod) {
  const require = function require(id) {
    return mod.require(id);
  };
  require.resolve = function resolve(request, options) {
    return Module._resolveFilename(request, mod, false, options);
  };
  require.resolve.paths = function paths(request) {
    return Module._resolveLookupPaths(request, mod);
  };
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

/** Writes `bytes` to `file` through a temp file and a rename: a concurrent reader sees a whole file or none. */
function writeAtomically(file, bytes) {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, bytes);
    fs.renameSync(temp, file);
  } catch {
    fs.rmSync(temp, { force: true });
  }
}

/**
 * Compiles the CommonJS modules that `eligible(filename)` accepts with V8's code cache: the first run that
 * compiles a module saves, at exit, the code V8 produced for it by then (its top level and every function
 * that ran), in `dir`, one file per module path; later runs hand it back to V8 instead of parsing and
 * compiling the source again. Node 20 has no compile cache of its own (`module.enableCompileCache` arrived
 * in Node 22); about a hundred modules (commander, cdk8s, constructs, Airlock's own src/) load on every run
 * of the CLI, and compiling them was a visible part of an incremental `synth` (see the commit message).
 *
 * Never stale: a cache file starts with the sha1 of the exact source it was made from (tsx's output for a
 * TypeScript file) and is used only for that source; V8 itself refuses data from another V8 version or other
 * flags. Anything unexpected (no cache, a damaged or foreign file, a read-only `dir`, a syntax error) falls
 * back to Node's own compile, so only speed is at stake.
 *
 * What differs from Node's own compile, for eligible modules only: Node does not register their source maps
 * (a stack frame in Airlock's own TypeScript shows the position in tsx's output rather than in the .ts file;
 * node_modules files are compiled without source maps by the CLI anyway, see commonjs-fast-path.js). Keep
 * the project's declaration files (incidents, policies) out of `eligible`: their errors must point at the
 * responder's own line. Returns counters (`hits`, `misses`), or undefined when this Node cannot do it.
 */
function installCodeCache({ dir, eligible }) {
  const compile = Module.prototype._compile;
  if (typeof compile !== 'function' || typeof vm.Script.prototype.createCachedData !== 'function') return undefined;
  installed = true;
  const counters = { hits: 0, misses: 0 };
  /** Scripts compiled without usable cached data: their code is saved at exit. */
  const produced = [];
  const dynamicImport = vm.constants && vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  Module.prototype._compile = function compileWithCodeCache(content, filename) {
    if (typeof content !== 'string' || typeof filename !== 'string' || !eligible(filename)) return compile.call(this, content, filename);
    const file = path.join(dir, `${sha1(filename).toString('hex')}.bin`);
    const digest = sha1(content);
    let cachedData;
    try {
      const bytes = fs.readFileSync(file);
      if (bytes.length > DIGEST_BYTES && bytes.subarray(0, DIGEST_BYTES).equals(digest)) cachedData = bytes.subarray(DIGEST_BYTES);
    } catch {
      cachedData = undefined; // Not cached yet.
    }
    let script;
    try {
      // `#!` is valid only at the very start of a script: a comment of the same length keeps every position.
      const source = content.startsWith('#!') ? `//${content.slice(2)}` : content;
      script = new vm.Script(Module.wrap(source), { filename, cachedData, ...(dynamicImport ? { importModuleDynamically: dynamicImport } : {}) });
    } catch {
      return compile.call(this, content, filename); // A syntax error: reported by Node, as without the cache.
    }
    if (cachedData && !script.cachedDataRejected) counters.hits++;
    else {
      counters.misses++;
      produced.push({ file, digest, script });
    }
    const fn = script.runInThisContext({ displayErrors: true });
    return fn.call(this.exports, this.exports, makeRequire(this), this, filename, path.dirname(filename));
  };
  process.once('exit', () => {
    if (produced.length === 0) return;
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch {
      return; // A read-only node_modules only costs speed.
    }
    for (const { file, digest, script } of produced) writeAtomically(file, Buffer.concat([digest, script.createCachedData()]));
  });
  return counters;
}

/** Whether this process compiles with the code cache (an internal error's trace then says so). */
function codeCacheInstalled() {
  return installed;
}

module.exports = { installCodeCache, codeCacheInstalled };
