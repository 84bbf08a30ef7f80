/**
 * Marks an incident lifted by editing its declaration: a one-line, reviewable change (`status: 'lifted'`) that
 * keeps the file as history. The edit is written to a temporary file, loaded and validated like any incident,
 * and only then renamed over the original.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError, ValidationError } from '../errors';
import type { Incident, IncidentStatus } from '../incident/types';
import { validateIncident } from '../incident/validate-incident';
import type { Guardrails } from '../settings/settings';
import { loadDefaultExport } from './load-module';

const STATUS_FIELD = /(\bstatus\s*:\s*)(['"])(active|lifted)\2/;
const SEVERITY_LINE = /^([ \t]*)severity\s*:[^\n]*\n/m;

/** The source with `status` set: the existing field rewritten, or a new line after `severity`. */
export function withStatus(source: string, status: IncidentStatus, file: string): string {
  if (STATUS_FIELD.test(source)) return source.replace(STATUS_FIELD, `$1$2${status}$2`);
  const severity = SEVERITY_LINE.exec(source);
  if (!severity) throw new UsageError(`${file}: cannot find where to set status; add \`status: '${status}',\` to the declaration by hand`);
  const at = severity.index + severity[0].length;
  return `${source.slice(0, at)}${severity[1]}status: '${status}',\n${source.slice(at)}`;
}

/** Rewrites `incident.file` with the new status; returns the re-validated incident. */
export function setIncidentStatus(root: string, incident: Incident, status: IncidentStatus, guardrails: Guardrails): Incident {
  const target = path.join(root, incident.file);
  const source = fs.readFileSync(target, 'utf8');
  const next = withStatus(source, status, incident.file);
  const temp = path.join(path.dirname(target), `.airlock-status-${process.pid}-${path.basename(target)}`);
  fs.writeFileSync(temp, next);
  try {
    const loaded = loadDefaultExport(temp, incident.file, { fresh: true });
    if (!loaded.ok) throw new ValidationError([loaded.problem]);
    const result = validateIncident(loaded.value, { file: incident.file, guardrails });
    if (!result.incident) throw new ValidationError(result.problems);
    if (result.incident.status !== status) throw new UsageError(`${incident.file}: status is computed, not a literal; set it to '${status}' by hand`);
    fs.renameSync(temp, target);
    delete require.cache[target];
    return result.incident;
  } finally {
    delete require.cache[temp];
    fs.rmSync(temp, { force: true });
  }
}
