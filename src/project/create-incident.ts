/**
 * Creates `incidents/<ID>.ts` from a {@link NewIncident}: generated, loaded and validated exactly like a
 * hand-written file (in a temporary file beside it), then moved into place without ever overwriting one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError, ValidationError } from '../errors';
import { generateIncidentSource, type NewIncident } from '../incident/generate-incident';
import { missingForPlaybook, type Playbook } from '../incident/playbook';
import { checkIncidentId, ID_HINT, validateIncident } from '../incident/validate-incident';
import type { Incident } from '../incident/types';
import { resolveGuardrails, type Guardrails } from '../settings/settings';
import type { Transpiled } from './direct-transpile';
import { adoptLoadedModule, loadDefaultExport, loadModuleExports } from './load-module';
import { GUARDRAILS_FILE, INCIDENTS_DIR, incidentFiles } from './load-project';

/** The playbooks exported by `policies/playbooks.ts`, by export name. */
export function loadPlaybooks(root: string): Map<string, Playbook> {
  const file = path.join(root, 'policies', 'playbooks.ts');
  const playbooks = new Map<string, Playbook>();
  if (!fs.existsSync(file)) return playbooks;
  const loaded = loadModuleExports(file, 'policies/playbooks.ts');
  if (!loaded.ok) throw new ValidationError([loaded.problem]);
  const mod = loaded.value as Record<string, unknown>;
  for (const [name, value] of Object.entries(mod ?? {})) {
    if (typeof value === 'function' && 'playbookName' in value) playbooks.set(name, value as Playbook);
  }
  return playbooks;
}

/** Checks a playbook name and that every target gives it what it needs. */
export function resolvePlaybook(root: string, name: string, spec: Pick<NewIncident, 'pods' | 'workloads' | 'images'>): Playbook {
  const playbooks = loadPlaybooks(root);
  const playbook = playbooks.get(name);
  if (!playbook) throw new UsageError(`--playbook "${name}" is not exported by policies/playbooks.ts; accepted: ${[...playbooks.keys()].sort().join(', ') || '(none defined)'}`);
  const targets = [...(spec.pods ?? []), ...(spec.workloads ?? [])].map((t) => ({ ...t, image: spec.images?.length === 1 ? spec.images[0] : undefined }));
  if (targets.length === 0) throw new UsageError(`--playbook ${name} needs a target: --isolate NS/POD or --isolate-workload NS:key=value`);
  for (const t of targets) {
    const missing = missingForPlaybook(playbook, t);
    if (missing.length > 0) throw new UsageError(`playbook ${name} needs ${missing.join(', ')} for ${t.namespace}`);
  }
  return playbook;
}

/**
 * The guardrails of `policies/guardrails.ts`, or the defaults when it is missing or does not load (the
 * project's own validation reports a broken file; a new incident is still checked against the defaults).
 */
export function projectGuardrails(root: string): Guardrails {
  const file = path.join(root, GUARDRAILS_FILE);
  const raw = fs.existsSync(file) ? loadDefaultExport(file, GUARDRAILS_FILE) : undefined;
  return resolveGuardrails(raw?.ok ? (raw.value as never) : undefined);
}

/** Options of {@link createIncident}. */
export interface CreateIncidentOptions {
  /**
   * The generated source (generateIncidentSource of the same spec) transpiled ahead of time (transpileAhead) as
   * a temporary file named by {@link newIncidentTempFile}: the new file is written there and compiled from that
   * code instead of being transpiled while the caller waits. @default none
   */
  readonly transpiled?: Transpiled;
}

let temps = 0;

/** A path for the temporary file a new incident is written and validated in, beside its final place. */
export function newIncidentTempFile(root: string): string {
  return path.join(root, INCIDENTS_DIR, `.airlock-new-${process.pid}-${Date.now()}-${temps++}.ts`);
}

/** Writes the new incident file; returns the validated incident. Never overwrites; writes nothing when invalid. */
export function createIncident(root: string, spec: NewIncident, options: CreateIncidentOptions = {}): Incident {
  const idProblem = checkIncidentId(spec.id);
  if (idProblem) throw new UsageError(`incident id ${idProblem}; accepted: ${ID_HINT}`);
  const relative = `${INCIDENTS_DIR}/${spec.id}.ts`;
  const target = path.join(root, relative);
  const clash = incidentFiles(root).find((f) => path.basename(f, '.ts').toLowerCase() === spec.id.toLowerCase());
  if (clash) throw new UsageError(`${clash} already exists; an incident file is never overwritten (edit it, or choose another id)`);

  const dir = path.join(root, INCIDENTS_DIR);
  fs.mkdirSync(dir, { recursive: true });
  const ahead = options.transpiled && path.dirname(options.transpiled.filename) === dir ? options.transpiled : undefined;
  const temp = ahead?.filename ?? newIncidentTempFile(root);
  const source = generateIncidentSource(spec);
  fs.writeFileSync(temp, source, { flag: 'wx' });
  try {
    const loaded = loadDefaultExport(temp, relative, { fresh: true, ...(ahead ? { transpiled: ahead } : {}) });
    if (!loaded.ok) throw new ValidationError([loaded.problem]);
    const result = validateIncident(loaded.value, { file: relative, guardrails: projectGuardrails(root) });
    if (!result.incident) throw new ValidationError(result.problems);
    // link() fails when the target exists: no overwrite even if another process created it meanwhile.
    fs.linkSync(temp, target);
    adoptLoadedModule(temp, target, source);
    return result.incident;
  } finally {
    delete require.cache[temp];
    fs.rmSync(temp, { force: true });
  }
}
