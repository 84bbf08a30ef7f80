/** What every command shares: where the project is and how to print for people or for programs. */
import * as path from 'node:path';
import type { Command } from 'commander';

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
