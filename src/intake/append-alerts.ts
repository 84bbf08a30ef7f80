/**
 * Records more alert ids in an existing incident (`alerts: [...]`), the way set-incident-status.ts edits a
 * status: the new source is written to a temporary file beside the original, loaded and validated like any
 * incident, checked to say exactly what was meant, and only then renamed over the original. A reviewer sees
 * a one-line diff; a file a person reshaped so that the edit cannot be made safely is left alone, with a
 * message saying what to add by hand.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError, ValidationError } from '../errors';
import { tsString } from '../incident/generate-incident';
import type { Incident } from '../incident/types';
import { validateIncident } from '../incident/validate-incident';
import { loadDefaultExport } from '../project/load-module';
import type { Guardrails } from '../settings/settings';

/** `alerts: [ ... ],` on its own, as the generator writes it (one line) or a person spreads it (several). */
const ALERTS_FIELD = /(^[ \t]*alerts[ \t]*:[ \t]*)\[[^\]]*\]/m;
/** The line after which a missing `alerts` field is inserted. */
const OWNER_LINE = /^([ \t]*)owner\s*:[^\n]*\n/m;

/** The source with `alerts` set to `alerts`. */
export function withAlerts(source: string, alerts: readonly string[], file: string): string {
  const list = `[${alerts.map(tsString).join(', ')}]`;
  if (ALERTS_FIELD.test(source)) return source.replace(ALERTS_FIELD, (_m, head: string) => `${head}${list}`);
  const owner = OWNER_LINE.exec(source);
  if (!owner) throw new UsageError(`${file}: cannot find where to record alert ids; add \`alerts: ${list},\` to the declaration by hand`);
  const at = owner.index + owner[0].length;
  return `${source.slice(0, at)}${owner[1]}alerts: ${list},\n${source.slice(at)}`;
}

/**
 * Adds `ids` (those not already there, in order) to the incident's alerts; returns the re-validated incident
 * (the same object when nothing was new). Throws ValidationError or UsageError with the file untouched.
 */
export function appendAlerts(root: string, incident: Incident, ids: readonly string[], guardrails: Guardrails): Incident {
  const existing = incident.alerts ?? [];
  const fresh = ids.filter((id, i) => !existing.includes(id) && ids.indexOf(id) === i);
  if (fresh.length === 0) return incident;
  const wanted = [...existing, ...fresh];
  const target = path.join(root, incident.file);
  const next = withAlerts(fs.readFileSync(target, 'utf8'), wanted, incident.file);
  const temp = path.join(path.dirname(target), `.airlock-alerts-${process.pid}-${path.basename(target)}`);
  fs.writeFileSync(temp, next);
  try {
    const loaded = loadDefaultExport(temp, incident.file, { fresh: true });
    if (!loaded.ok) throw new ValidationError([loaded.problem]);
    const result = validateIncident(loaded.value, { file: incident.file, guardrails });
    if (!result.incident) throw new ValidationError(result.problems);
    const got = result.incident.alerts ?? [];
    if (got.length !== wanted.length || got.some((a, i) => a !== wanted[i])) throw new UsageError(`${incident.file}: alerts is computed, not a literal list; add ${fresh.map(tsString).join(', ')} by hand`);
    fs.renameSync(temp, target);
    // The running process must not keep serving the old declaration from the require cache.
    delete require.cache[target];
    delete require.cache[fs.realpathSync(target)];
    return result.incident;
  } finally {
    delete require.cache[temp];
    fs.rmSync(temp, { force: true });
  }
}
