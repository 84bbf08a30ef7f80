/**
 * Marks an incident lifted by editing its declaration: a one-line, reviewable change (`status: 'lifted'`) that
 * keeps the file as history, made through rewrite-incident.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors';
import type { Incident, IncidentStatus } from '../incident/types';
import { rewriteIncident, type RewriteContext } from './rewrite-incident';

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
export function setIncidentStatus(root: string, incident: Incident, status: IncidentStatus, context: RewriteContext): Incident {
  const source = withStatus(fs.readFileSync(path.join(root, incident.file), 'utf8'), status, incident.file);
  return rewriteIncident(root, incident, source, context, (next) => (next.status === status ? undefined : `status is computed, not a literal; set it to '${status}' by hand`));
}
