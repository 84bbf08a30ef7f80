// Keeps V8's compiled code of the CLI's own modules between runs. Plain JavaScript: it is installed before the
// TypeScript loader exists.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

/** Bytes of the sha1 that opens a cache file (see encodeEntry). */
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
 * A cache file: the digest of what it was made from, the JavaScript it holds (only for a TypeScript file:
 * tsx's output; empty for JavaScript, whose source is the code), and V8's code for it.
 */
function encodeEntry(digest, code, data) {
  const text = Buffer.from(code, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(text.length);
  return Buffer.concat([digest, length, text, data]);
}

/** The cache file's code and V8 data when it was made from `digest`, else undefined. */
function readEntry(file, digest) {
  let bytes;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined; // Not cached yet.
  }
  if (bytes.length <= DIGEST_BYTES + 4 || !bytes.subarray(0, DIGEST_BYTES).equals(digest)) return undefined;
  const end = DIGEST_BYTES + 4 + bytes.readUInt32LE(DIGEST_BYTES);
  if (end >= bytes.length) return undefined;
  return { code: bytes.subarray(DIGEST_BYTES + 4, end).toString('utf8'), data: bytes.subarray(end) };
}

/**
 * Compiles the CommonJS modules that `eligible(filename)` accepts with V8's code cache: the first run that
 * compiles a module saves, at exit, the code V8 produced for it by then (its top level and every function
 * that ran), in `dir`, one file per module path; later runs hand it back to V8 instead of parsing and
 * compiling the source again. Node 20 has no compile cache of its own (`module.enableCompileCache` arrived
 * in Node 22); about a hundred modules (commander, cdk8s, constructs, Airlock's own src/) load on every run
 * of the CLI, and compiling them was a visible part of an incremental `synth` (see the commit messages).
 * Call the returned `cacheTypeScript` once tsx is registered to keep tsx's output for eligible `.ts` files
 * as well.
 *
 * Never stale: a cache file starts with the sha1 of the exact source it was made from (for a TypeScript
 * file, with what tsx's output depends on besides it: see `cacheTypeScript`) and is used only for that
 * source; V8 itself refuses data from another V8 version or other flags. Anything unexpected (no cache, a
 * damaged or foreign file, a read-only `dir`, a syntax error) falls back to Node's own compile (and tsx), so
 * only speed is at stake.
 *
 * What differs from Node's own compile, for eligible modules only: Node does not register their source maps
 * (a stack frame in Airlock's own TypeScript shows the position in tsx's output rather than in the .ts file;
 * node_modules files are compiled without source maps by the CLI anyway, see commonjs-fast-path.js). Keep
 * the project's declaration files (incidents, policies) out of `eligible`: their errors must point at the
 * responder's own line. Returns counters (`hits`, `misses`) and `cacheTypeScript`, or undefined when this
 * Node cannot do it.
 */
function installCodeCache({ dir, eligible }) {
  const compile = Module.prototype._compile;
  if (typeof compile !== 'function' || typeof vm.Script.prototype.createCachedData !== 'function') return undefined;
  installed = true;
  const counters = { hits: 0, misses: 0 };
  /** Scripts compiled without usable cached data: their code is saved at exit. */
  const produced = [];
  /** Modules whose TypeScript source tsx is transforming now (a cache miss), with that source's digest. */
  const transforming = new WeakMap();
  const dynamicImport = vm.constants && vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  const cacheFile = (filename) => codeCacheFile(dir, filename);

  /** Compiles `code` as `module` (with `cachedData` when given) and runs it; false on a syntax error. */
  function run(module, code, filename, file, digest, cachedData, typescript) {
    let script;
    try {
      // `#!` is valid only at the very start of a script: a comment of the same length keeps every position.
      const source = code.startsWith('#!') ? `//${code.slice(2)}` : code;
      script = new vm.Script(Module.wrap(source), { filename, cachedData, ...(dynamicImport ? { importModuleDynamically: dynamicImport } : {}) });
    } catch {
      return false;
    }
    if (cachedData && !script.cachedDataRejected) counters.hits++;
    else {
      counters.misses++;
      produced.push({ file, digest, code: typescript ? code : '', script });
    }
    const fn = script.runInThisContext({ displayErrors: true });
    fn.call(module.exports, module.exports, makeRequire(module), module, filename, path.dirname(filename));
    return true;
  }

  Module.prototype._compile = function compileWithCodeCache(content, filename) {
    if (typeof content !== 'string' || typeof filename !== 'string' || !eligible(filename)) return compile.call(this, content, filename);
    const typescript = transforming.get(this);
    transforming.delete(this);
    const file = cacheFile(filename);
    const digest = typescript ?? sha1(content);
    const cached = typescript ? undefined : readEntry(file, digest);
    // A syntax error is reported by Node, as without the cache.
    if (!run(this, content, filename, file, digest, cached && cached.data, typescript !== undefined)) return compile.call(this, content, filename);
    return undefined;
  };

  /**
   * Serves eligible `.ts` files from the cache without tsx when their source is unchanged: tsx reads, lexes
   * and looks up every file it loads (about 0.7 ms each here, for the 65 files of a `synth`). Call once tsx
   * is registered. `key` names everything tsx's output depends on besides the source (tsx's and esbuild's
   * versions, the tsconfig it reads): a file is served only for the same source under the same key.
   */
  function cacheTypeScript(key) {
    const tsx = Module._extensions['.ts'];
    if (typeof tsx !== 'function') return;
    Module._extensions['.ts'] = function typeScriptFromCache(module, filename) {
      if (!eligible(filename)) return tsx.call(this, module, filename);
      let source;
      try {
        source = fs.readFileSync(filename, 'utf8');
      } catch {
        return tsx.call(this, module, filename); // tsx reports it.
      }
      const digest = crypto.createHash('sha1').update(key).update('\0').update(source).digest();
      const file = cacheFile(filename);
      const cached = readEntry(file, digest);
      if (cached && cached.code && run(module, cached.code, filename, file, digest, cached.data, true)) return undefined;
      transforming.set(module, digest);
      return tsx.call(this, module, filename);
    };
  }

  process.once('exit', () => {
    if (produced.length === 0) return;
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch {
      return; // A read-only node_modules only costs speed.
    }
    for (const { file, digest, code, script } of produced) writeAtomically(file, encodeEntry(digest, code, script.createCachedData()));
  });
  return { counters, cacheTypeScript };
}

/** The code cache folder of the CLI whose bin.js is in `cliDir`: in its package's node_modules/.cache. */
function codeCacheDir(cliDir) {
  return path.join(cliDir, '..', '..', 'node_modules', '.cache', 'airlock', `v8-${process.version}-${process.arch}`);
}

/** The cache file of the module `filename` (its real path) in the folder `dir`. */
function codeCacheFile(dir, filename) {
  return path.join(dir, `${sha1(filename).toString('hex')}.bin`);
}

/** A file's text, or '-' when it cannot be read. */
function readOr(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '-';
  }
}

/**
 * What tsx's output for a file depends on besides the file (the key of `cacheTypeScript`): Node's version,
 * tsx's and esbuild's package.json, and the tsconfig tsx reads (TSX_TSCONFIG_PATH, else the nearest
 * tsconfig.json up from the working directory; a file that tsconfig `extends` is not read).
 */
function tsxTransformKey() {
  const tsxPackage = require.resolve('tsx/package.json');
  let esbuildPackage = '-';
  try {
    esbuildPackage = require.resolve('esbuild/package.json', { paths: [path.dirname(tsxPackage)] });
  } catch {
    esbuildPackage = '-';
  }
  let config = process.env.TSX_TSCONFIG_PATH ? path.resolve(process.env.TSX_TSCONFIG_PATH) : undefined;
  for (let dir = process.cwd(); config === undefined; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'tsconfig.json'))) config = path.join(dir, 'tsconfig.json');
    else if (path.dirname(dir) === dir) break;
  }
  return [process.version, readOr(tsxPackage), readOr(esbuildPackage), config ?? '-', config ? readOr(config) : '-'].join('\0');
}

/** Whether this process compiles with the code cache (an internal error's trace then says so). */
function codeCacheInstalled() {
  return installed;
}

module.exports = { installCodeCache, codeCacheInstalled, codeCacheDir, codeCacheFile, tsxTransformKey };
