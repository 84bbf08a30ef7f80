/**
 * Loads a TypeScript declaration file (an incident, settings, guardrails) and returns its default export, or
 * a Problem naming the file and line: a syntax error or an exception thrown while the file runs is the
 * responder's input error, not Airlock's crash, so it never surfaces as a stack trace.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Problem } from '../errors';
import { requireTranspiledDirectly, type Transpiled } from './direct-transpile';

/** Registers the TypeScript loader once (the CLI runs as plain Node; tests already run under tsx). */
let registered = false;
function ensureTypeScriptLoader(): void {
  if (registered) return;
  registered = true;
  if (require.extensions['.ts']) return;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  (require('tsx/cjs/api') as { register: () => void }).register();
}

/**
 * The sha256 of the bytes each file in the require cache was compiled from, where this module knows it (fresh
 * loads and adopted modules): a fresh load of unchanged bytes reuses the compiled module instead of
 * transpiling the file again, which is most of what a long-running process (the intake's writer) spends on
 * the incident files it has just written.
 */
const compiledFrom = new Map<string, string>();

function hashOf(bytes: string | Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function currentHash(absolute: string): string | undefined {
  try {
    return hashOf(fs.readFileSync(absolute));
  } catch {
    return undefined;
  }
}

/** The require cache's keys for a file: its path, and the real path Node files it under (symlinked folders). */
function cacheKeys(absolute: string): string[] {
  let real = absolute;
  try {
    real = fs.realpathSync(absolute);
  } catch {
    // missing: the require will say so
  }
  return real === absolute ? [absolute] : [absolute, real];
}

/** The default export, or the problem that prevented reading it. */
export type ModuleResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: Problem };

/** Options of {@link loadModuleExports}. */
export interface LoadModuleOptions {
  /**
   * Reflect the file's current bytes even if this process loaded it before (a long-running process re-reading
   * edited files): the compiled module is reused only when its bytes are known to be the file's. @default false
   */
  readonly fresh?: boolean;
  /**
   * The file's bytes are probably new to tsx's transform cache (an edited incident, a file just generated):
   * transpile it with a one-off esbuild process rather than boot tsx's esbuild worker (see direct-transpile.ts).
   * Worth it for a handful of files per process; a file tsx has cached costs nothing either way. @default false
   */
  readonly unseen?: boolean;
  /**
   * The file's source transpiled ahead of time (see transpileAhead): compiled from that code when the file's
   * bytes are still that source, without transpiling again. @default none
   */
  readonly transpiled?: Transpiled;
}

/** Requires `absolute` and returns its exports. `relative` is how the file is named in messages. */
export function loadModuleExports(absolute: string, relative: string, options: LoadModuleOptions = {}): ModuleResult {
  ensureTypeScriptLoader();
  if (options.fresh) {
    // Read before the require compiles the file: a change in between costs a later reload, never a stale read.
    const hash = currentHash(absolute);
    const keys = cacheKeys(absolute);
    if (hash === undefined || keys.some((k) => compiledFrom.get(k) !== hash || !require.cache[k])) {
      for (const k of keys) {
        delete require.cache[k];
        if (hash === undefined) compiledFrom.delete(k);
        else compiledFrom.set(k, hash);
      }
    }
  }
  try {
    return { ok: true, value: (options.unseen || options.transpiled ? requireTranspiledDirectly(absolute, options.transpiled) : require(absolute)) as unknown };
  } catch (e) {
    return { ok: false, problem: problemFromError(e, absolute, relative) };
  }
}

/**
 * `temp` was loaded, validated and then renamed or linked to `target` (same folder, so its imports resolve the
 * same): the next load of `target` uses `temp`'s compiled module rather than transpiling the same bytes again.
 * `bytes` are the file's content. Any module cached for `target` before is dropped.
 */
export function adoptLoadedModule(temp: string, target: string, bytes: string | Buffer): void {
  const compiled = require.cache[temp];
  delete require.cache[temp];
  compiledFrom.delete(temp);
  const hash = hashOf(bytes);
  for (const key of cacheKeys(target)) {
    if (compiled) {
      require.cache[key] = compiled;
      compiledFrom.set(key, hash);
    } else {
      delete require.cache[key];
      compiledFrom.delete(key);
    }
  }
}

/** Like {@link loadModuleExports}, but returns the default export, which declaration files must have. */
export function loadDefaultExport(absolute: string, relative: string, options: LoadModuleOptions = {}): ModuleResult {
  const loaded = loadModuleExports(absolute, relative, options);
  if (!loaded.ok) return loaded;
  const value = (loaded.value as { default?: unknown }).default;
  if (value === undefined) {
    return { ok: false, problem: { file: relative, field: '', message: 'has no default export', hint: 'export default defineIncident({ ... }) (or defineSettings / defineGuardrails in policies/)' } };
  }
  return { ok: true, value };
}

/** Turns an esbuild transform error or a runtime exception into a located Problem. */
function problemFromError(error: unknown, absolute: string, relative: string): Problem {
  const message = error instanceof Error ? error.message : String(error);
  // esbuild: "Transform failed with 1 error:\n/abs/file.ts:3:9: ERROR: Unexpected ","
  const syntax = /:(\d+):(\d+): ERROR: (.*)/.exec(message);
  if (syntax) return { file: relative, field: '', line: Number(syntax[1]), column: Number(syntax[2]), message: `syntax error: ${syntax[3]}`, hint: 'valid TypeScript' };
  // A runtime error: locate the first stack frame inside the declaration file.
  const stack = error instanceof Error ? error.stack ?? '' : '';
  const escaped = absolute.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const frame = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(stack);
  const located = frame ? { line: Number(frame[1]), column: Number(frame[2]) } : {};
  const notFound = /Cannot find module '([^']+)'/.exec(message);
  if (notFound) return { file: relative, field: '', ...located, message: `imports "${notFound[1]}", which does not exist`, hint: `a module path relative to ${path.dirname(relative)}/, e.g. "../src" or "../policies/playbooks"` };
  return { file: relative, field: '', ...located, message: `failed while loading: ${message.split('\n')[0]}` };
}
