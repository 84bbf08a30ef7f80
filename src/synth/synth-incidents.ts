/**
 * Synthesizing a few incidents of a large project, for a long-running writer that has just written their files
 * (the alert intake): only those incidents are loaded, and only their folders and the shared ones (platform,
 * evidence roots) are rendered, compared and written. Every other folder in `dist/` is left as it is, unread:
 * with a thousand incidents that is what a whole-project synth spends most of a batch on (reading its cache,
 * two thousand stats), to learn that nothing else changed.
 *
 * The folders it writes hold exactly what `synth` would write there (the same renderers, the same writer); the
 * rest of `dist/` stays `synth`'s business (and `synth --check`'s in CI). A proposal commits only its
 * incidents' paths, so nothing else of `dist/` could reach a commit anyway.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadProject, type Project } from '../project/load-project';
import { diffDist, writeDist, type DistDiff } from './dist-writer';
import { DIST_DIR } from './synth-project';
import { CAPTURE_DIR, distFolders, EVIDENCE_DIR, folderPath, holdsFolders, incidentFolderPaths, PLATFORM_DIR, synthesize, synthTargets, type DistTree, type SynthTarget } from './synthesize';

/** What {@link synthIncidents} did (or, deferred, is ready to do). */
export interface SynthIncidentsResult {
  /** The project's settings and guardrails, with only the incidents that were asked for (and exist). */
  readonly project: Project;
  /** The folders rendered (paths under `dist/`), each with its files. */
  readonly tree: DistTree;
  readonly diff: DistDiff;
  /** Brings `dist/` in line with `tree` (see writeDist); done already unless the write was deferred. Runs once. */
  readonly write: () => void;
}

/** Options of {@link synthIncidents}. */
export interface SynthIncidentsOptions {
  /**
   * Render and compare, but leave the writing to the caller's `write()`: the intake commits the rendered
   * files from memory and writes them while its push runs (see proposeChanges' `unwritten`). @default false
   */
  readonly deferWrite?: boolean;
}

/**
 * Loads and validates the settings, the guardrails and the given incident files (project-relative, e.g.
 * `incidents/INC-1.ts`; missing ones are left out), then brings their folders in `dist/` up to date, lifted
 * incidents' folders removed. Throws ValidationError with nothing written.
 */
export function synthIncidents(root: string, files: readonly string[], options: SynthIncidentsOptions = {}): SynthIncidentsResult {
  const present = files.filter((f) => fs.existsSync(path.join(root, f)));
  // Fresh: a long-running process must see edited settings and incidents (unchanged bytes cost a hash, see load-module).
  const project = loadProject(root, { only: present, fresh: true });
  const outdir = path.join(root, DIST_DIR);
  const targets = synthTargets(project.settings);
  const mine = new Set(targets.flatMap((t) => project.incidents.flatMap((i) => incidentFolderPaths(t, i))));
  const others = new Set(targets.flatMap((t) => incidentFoldersOnDisk(outdir, t)).filter((f) => !mine.has(f)));
  const tree = synthesize(project);
  const holders = distFolders(project).filter(holdsFolders).map((f) => f.path);
  const diff = diffDist(outdir, tree, others, holders);
  let written = false;
  const write = (): void => {
    if (written) return;
    writeDist(outdir, tree, diff);
    written = true;
  };
  if (!options.deferWrite) write();
  return { project, tree, diff, write };
}

/** The incident and capture folders present in `dist/` for a target, relative to `dist/`. */
function incidentFoldersOnDisk(outdir: string, target: SynthTarget): string[] {
  const subfolders = (rel: string): string[] => {
    try {
      return fs
        .readdirSync(path.join(outdir, rel), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return [];
    }
  };
  const shared = new Set([PLATFORM_DIR, EVIDENCE_DIR]);
  return [
    ...subfolders(folderPath(target, '')).filter((name) => !shared.has(name)).map((name) => folderPath(target, name)),
    ...(target.settings.evidence ? subfolders(folderPath(target, CAPTURE_DIR)).map((name) => folderPath(target, `${CAPTURE_DIR}/${name}`)) : []),
  ];
}
