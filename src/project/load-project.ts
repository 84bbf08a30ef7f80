/**
 * Reads a project: `policies/settings.ts`, `policies/guardrails.ts` and every `incidents/<ID>.ts`, validated
 * together so all problems of all files are reported at once, before anything is written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ValidationError, type Problem } from '../errors';
import type * as ValidateIncident from '../incident/validate-incident';
import type { Incident } from '../incident/types';
import { resolveGuardrails, resolveSettings, type Guardrails, type Settings } from '../settings/settings';
import { validateGuardrails, validateSettings } from '../settings/validate-settings';
import type { IncidentCache } from './incident-cache';
import { IncidentOutline } from './incident-outline';
import { transpileAllSync, transpilerKey, type Transpiled } from './direct-transpile';
import { loadDefaultExport } from './load-module';
import { TranspileCache } from './transpile-cache';

/** Where a project keeps its declarations (the top-level layout is fixed by DESIGN.md). */
export const INCIDENTS_DIR = 'incidents';
export const POLICIES_DIR = 'policies';
export const SETTINGS_FILE = 'policies/settings.ts';
export const GUARDRAILS_FILE = 'policies/guardrails.ts';

/**
 * How many changed incident files a process transpiles with one esbuild process each (16–25 ms apiece) before
 * leaving the rest to tsx, whose esbuild worker costs 65–100 ms to boot and little per file after that. Per
 * process, not per load: a long-lived process (the intake's writer) would otherwise pay a new esbuild process
 * for every incident of every batch (measured: 18 ms each) where tsx's worker, booted once, stays warm.
 */
const UNSEEN_FILES_PER_PROCESS = 3;
let unseenLeft = UNSEEN_FILES_PER_PROCESS;

/**
 * From how many incident files to load (not known to the synth cache) they are transpiled all at once
 * (transpileAllSync: some 50 ms to start, then about 0.6 ms a file, and nothing for a file the transpile cache
 * has) rather than one by one through tsx (about 3 ms a file it has not cached, as on a fresh clone).
 */
const TRANSPILE_ALL_FROM = 32;

/** A project's validated declarations. */
export interface Project {
  /** Absolute project root. */
  readonly root: string;
  readonly settings: Settings;
  readonly guardrails: Guardrails;
  /** Every incident, active and lifted, ordered by id. */
  readonly incidents: readonly Incident[];
}

/** A project with its incidents in outline, each parsed only when its `incident` is read (see IncidentOutline). */
export interface ProjectOutline extends Omit<Project, 'incidents'> {
  /** Every incident, active and lifted, ordered by slug. */
  readonly incidents: readonly IncidentOutline[];
}

/** Options of {@link loadProject}. */
export interface LoadProjectOptions {
  /** Re-read files even if this process loaded them before (the long-running intake server). @default false */
  readonly fresh?: boolean;
  /** Reuse validated incidents whose files did not change (see IncidentCache). @default none */
  readonly cache?: IncidentCache;
  /**
   * Load only these incident files (project-relative, e.g. `incidents/INC-1.ts`) instead of every file in
   * `incidents/`: ids are then checked for uniqueness among them only. @default every incident file
   */
  readonly only?: readonly string[];
}

/**
 * Whether a loaded incident depends only on what the cache key covers (src/, policies/, node_modules/):
 * an incident importing any other file is never cached.
 */
function onlyKnownDependencies(root: string, absolute: string): boolean {
  const allowed = ['src', 'policies', 'node_modules'].map((d) => {
    const p = path.join(root, d);
    return `${fs.existsSync(p) ? fs.realpathSync(p) : p}${path.sep}`;
  });
  const children = require.cache[absolute]?.children ?? [];
  return children.every((child) => allowed.some((prefix) => child.filename.startsWith(prefix)));
}

function loadOptional(root: string, relative: string, fresh: boolean, problems: Problem[]): unknown {
  const absolute = path.join(root, relative);
  if (!fs.existsSync(absolute)) return undefined;
  const result = loadDefaultExport(absolute, relative, { fresh });
  if (!result.ok) problems.push(result.problem);
  return result.ok ? result.value : undefined;
}

/**
 * The files among `absolutes` transpiled ahead, when there are enough of them (see TRANSPILE_ALL_FROM): from the
 * project's transpile cache, the rest all at once.
 */
function transpiledAhead(root: string, absolutes: readonly string[]): Map<string, Transpiled> {
  const ahead = new Map<string, Transpiled>();
  if (absolutes.length < TRANSPILE_ALL_FROM) return ahead;
  const cache = TranspileCache.open(root, transpilerKey());
  const missing: Array<{ filename: string; source: string }> = [];
  for (const filename of absolutes) {
    let source: string;
    try {
      source = fs.readFileSync(filename, 'utf8');
    } catch {
      continue; // Loaded the usual way, which reports it.
    }
    const cached = cache.get(filename, source);
    if (cached) ahead.set(filename, cached);
    else missing.push({ filename, source });
  }
  if (missing.length > 0) {
    for (const t of transpileAllSync(missing)) {
      if (!t) continue;
      ahead.set(t.filename, t);
      cache.set(t);
    }
    cache.save();
  }
  return ahead;
}

/** The incident files, sorted: `incidents/*.ts`. */
export function incidentFiles(root: string): string[] {
  const dir = path.join(root, INCIDENTS_DIR);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => `${INCIDENTS_DIR}/${f}`);
}

/** Loads and validates the whole project; throws one ValidationError listing every problem. */
export function loadProject(root: string, options: LoadProjectOptions = {}): Project {
  const { incidents, ...rest } = loadProjectOutline(root, options);
  return { ...rest, incidents: incidents.map((i) => i.incident) };
}

/**
 * {@link loadProject} with the incidents in outline: those the cache knows are not parsed until their
 * `incident` is read (a synth needs few of them).
 */
export function loadProjectOutline(root: string, options: LoadProjectOptions = {}): ProjectOutline {
  const fresh = options.fresh ?? false;
  const problems: Problem[] = [];
  const settingsRaw = loadOptional(root, SETTINGS_FILE, fresh, problems);
  const guardrailsRaw = loadOptional(root, GUARDRAILS_FILE, fresh, problems);
  problems.push(...validateSettings(settingsRaw, SETTINGS_FILE), ...validateGuardrails(guardrailsRaw, GUARDRAILS_FILE));
  const settings = resolveSettings(settingsRaw as never);
  const guardrails = resolveGuardrails(guardrailsRaw as never);

  const incidents: IncidentOutline[] = [];
  const bySlug = new Map<string, string>();
  const listed = options.only === undefined;
  const incidentsDir = path.join(root, INCIDENTS_DIR);
  const lookups = (options.only ?? incidentFiles(root)).map((file) => {
    // A listed file is `incidents/<name>`: appended to the folder's path without path.join's normalizing,
    // which cost ~10 ms for 5,000 files.
    const absolute = listed ? `${incidentsDir}${path.sep}${file.slice(INCIDENTS_DIR.length + 1)}` : path.join(root, file);
    const hash = options.cache ? options.cache.hashFile(file, absolute) : '';
    return { file, absolute, hash, cached: options.cache?.incident(file, hash) };
  });
  // A file this process has compiled already (the intake's writer adopts the modules of the files it wrote) is
  // not transpiled again.
  const ahead = transpiledAhead(root, lookups.filter((l) => !l.cached && !require.cache[l.absolute]).map((l) => l.absolute));
  for (const { file, absolute, hash, cached } of lookups) {
    let incident = cached;
    if (!incident) {
      const transpiled = ahead.get(absolute);
      // A file the cache does not know is most likely new to tsx's transform cache too.
      const unseen = !transpiled && options.cache !== undefined && unseenLeft-- > 0;
      const loaded = loadDefaultExport(absolute, file, { fresh, unseen, ...(transpiled ? { transpiled } : {}) });
      if (!loaded.ok) {
        problems.push(loaded.problem);
        continue;
      }
      // Required here: with a warm cache most runs validate no incident at all.
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { validateIncident } = require('../incident/validate-incident') as typeof ValidateIncident;
      const result = validateIncident(loaded.value, { file, guardrails, clusters: settings.clusters.map((cl) => cl.name) });
      problems.push(...result.problems);
      if (!result.incident) continue;
      incident = IncidentOutline.of(result.incident);
      if (options.cache && onlyKnownDependencies(root, absolute)) options.cache.setIncident(file, hash, incident);
    }
    const other = bySlug.get(incident.slug);
    if (other) problems.push({ file, field: 'id', message: `"${incident.incident.id}" is also the id of ${other} (ids are compared case-insensitively)`, hint: 'a unique incident id' });
    else bySlug.set(incident.slug, file);
    incidents.push(incident);
  }
  if (problems.length > 0) throw new ValidationError(problems);
  incidents.sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  return { root, settings, guardrails, incidents };
}
