/**
 * Safe, reviewable edits of an incident declaration (lifting it, recording alert ids): the new source is
 * written to a temporary file beside the original, loaded and validated like any incident, checked to say
 * exactly what was meant, and only then renamed over the original. A file a person reshaped so that the edit
 * cannot be made safely is left untouched.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError, ValidationError } from '../errors';
import type { Incident } from '../incident/types';
import { validateIncident } from '../incident/validate-incident';
import type { Guardrails } from '../settings/settings';
import { adoptLoadedModule, loadDefaultExport } from './load-module';

/** What validation needs besides the file. */
export interface RewriteContext {
  readonly guardrails: Guardrails;
  /** Cluster names declared in the settings (for incidents that target some). @default none */
  readonly clusters?: readonly string[];
}

/**
 * Replaces `incident.file` with `source` once it validates and `check` finds no problem with the result (it
 * returns what is wrong, e.g. "status is computed, not a literal"). Returns the re-validated incident; throws
 * ValidationError or UsageError with the file untouched.
 */
export function rewriteIncident(root: string, incident: Incident, source: string, context: RewriteContext, check: (next: Incident) => string | undefined): Incident {
  const target = path.join(root, incident.file);
  const temp = path.join(path.dirname(target), `.airlock-edit-${process.pid}-${path.basename(target)}`);
  fs.writeFileSync(temp, source);
  try {
    const loaded = loadDefaultExport(temp, incident.file, { fresh: true });
    if (!loaded.ok) throw new ValidationError([loaded.problem]);
    const result = validateIncident(loaded.value, { file: incident.file, guardrails: context.guardrails, ...(context.clusters ? { clusters: context.clusters } : {}) });
    if (!result.incident) throw new ValidationError(result.problems);
    const problem = check(result.incident);
    if (problem) throw new UsageError(`${incident.file}: ${problem}`);
    fs.renameSync(temp, target);
    // A long-running process must not keep serving the old declaration from the require cache.
    adoptLoadedModule(temp, target, source);
    return result.incident;
  } finally {
    delete require.cache[temp];
    fs.rmSync(temp, { force: true });
  }
}
