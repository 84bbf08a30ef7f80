/**
 * Records more alert ids in an existing incident (`alerts: [...]`) through rewrite-incident.ts: a reviewer
 * sees a one-line diff; a file a person reshaped so that the edit cannot be made safely is left alone, with a
 * message saying what to add by hand.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors';
import { tsString } from '../incident/generate-incident';
import type { Incident } from '../incident/types';
import { rewriteIncident } from '../project/rewrite-incident';
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
  const source = withAlerts(fs.readFileSync(path.join(root, incident.file), 'utf8'), wanted, incident.file);
  return rewriteIncident(root, incident, source, { guardrails }, (next) => {
    const got = next.alerts ?? [];
    return got.length === wanted.length && got.every((a, i) => a === wanted[i]) ? undefined : `alerts is computed, not a literal list; add ${fresh.map(tsString).join(', ')} by hand`;
  });
}
