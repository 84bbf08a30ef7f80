/**
 * The static shell scripts the Jobs run, shipped in `scripts/` beside this file and copied verbatim into each
 * incident's script ConfigMap. They name no incident, namespace or pod — every input is an environment
 * variable set from validated values — so a reviewer reads them once, here, and the `airlock.dev/sha256.*`
 * annotations on each ConfigMap prove a copy is unchanged.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The scripts, by file name. */
export type ScriptName = 'capture.sh' | 'inspect.sh' | 'probe.sh' | 'canary.sh';
/** Every script, for tests and for checks that none names an incident. */
export const SCRIPT_NAMES: readonly ScriptName[] = ['capture.sh', 'inspect.sh', 'probe.sh', 'canary.sh'];

/** Where the scripts are mounted in the Jobs. */
export const SCRIPTS_MOUNT = '/airlock';

/** Path of a script in the source tree (for tests and reviewers). */
export function scriptPath(name: ScriptName): string {
  return path.join(__dirname, 'scripts', name);
}

const cache = new Map<ScriptName, string>();

/** A script's text (read once per process). */
export function scriptText(name: ScriptName): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = fs.readFileSync(scriptPath(name), 'utf8');
    cache.set(name, text);
  }
  return text;
}

/** sha256 of a text, hex. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Annotation naming the sha256 of one file of a script ConfigMap. */
export function scriptHashAnnotation(file: string): string {
  return `airlock.dev/sha256.${file}`;
}
