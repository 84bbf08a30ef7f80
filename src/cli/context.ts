/** What every command shares: where the project is and how to print for people or for programs. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors';

/** Global options, on the root program. */
export interface GlobalOptions {
  /** Project root. @default the current directory */
  readonly project?: string;
}

/** The project root a command acts on (`--project DIR`, like `git -C`). */
export function projectRoot(command: Command): string {
  const opts = command.optsWithGlobals<GlobalOptions>();
  return path.resolve(opts.project ?? process.cwd());
}

/** Writes JSON (one document, stable key order as built) or human text to stdout. */
export function output(json: boolean | undefined, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : human());
}

/** Plural helper for human output. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** Why the system refused a path, in words: the codes a responder meets when a path is wrong. */
const REFUSALS: Record<string, string> = {
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  EEXIST: 'a file stands where a folder is needed',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
};

/**
 * Runs `write`, which writes what the command was asked to write at `target` (given with `flag`, e.g. `--html
 * FILE`). A path the system refuses is the responder's to fix, not a bug: it becomes a UsageError naming the
 * flag, the path and the reason. Any other error propagates as it is.
 */
export function writingTo<T>(flag: string, target: string, write: () => T): T {
  try {
    return write();
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    if (typeof error?.code !== 'string' || typeof error.syscall !== 'string') throw e;
    const where = error.path && path.resolve(error.path) !== path.resolve(target) ? ` (at ${error.path})` : '';
    const why = error.code === 'ENOENT' ? 'its folder does not exist' : (REFUSALS[error.code] ?? error.code);
    throw new UsageError(`${flag} ${target} cannot be written${where}: ${why} (${error.code}); accepted: a path in an existing, writable folder`);
  }
}

/** The bytes of the file a flag names (`--tls-cert FILE`…); one that cannot be read is a UsageError naming the flag, path and why. */
export function readFlagFile(flag: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw e;
    const why = code === 'ENOENT' ? 'it does not exist' : (REFUSALS[code] ?? code);
    throw new UsageError(`${flag} ${file} cannot be read: ${why} (${code}); accepted: a readable file`);
  }
}

/** A flag's whole-number value from `min` to `max`; anything else is a UsageError naming the flag and the range. */
export function wholeNumber(flag: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`${flag} is "${value}"; accepted: a whole number from ${min} to ${max}`);
  return n;
}
