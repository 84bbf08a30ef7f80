/**
 * `synth` as one function for every caller (the CLI, `cdk8s synth` through src/main.ts, `propose`): load and
 * validate the whole project first, render everything in memory, and only then touch `dist/`.
 */
import * as path from 'node:path';
import { IncidentCache, sha256, type FolderOwner } from '../project/incident-cache';
import type { IncidentOutline } from '../project/incident-outline';
import { loadProjectOutline, type Project, type ProjectOutline } from '../project/load-project';
import { diffDist, isClean, writeDist, type DistDiff } from './dist-writer';
import { distFolders, holdsFolders, synthesize, type DistFolder, type SynthTarget } from './synthesize';

/** Folder of the synthesized manifests, relative to the project root. */
export const DIST_DIR = 'dist';

/** Options of {@link synthProject}. */
export interface SynthProjectOptions {
  /** Only compare; write nothing (`synth --check`). @default false */
  readonly check?: boolean;
  /** Output folder. @default `<root>/dist` */
  readonly outdir?: string;
  /**
   * Skip incidents whose file and `dist/` folder are unchanged since the last synth (IncidentCache). A folder
   * counts as unchanged while its own stat and its kustomization.yaml's are, so a manifest edited in place is
   * only seen with `cache: false` (`synth --no-cache`) or `check`, which never uses the cache and compares
   * every byte. @default true
   */
  readonly cache?: boolean;
}

/** What a synthesis did (or, with `check`, would do). */
export interface SynthResult {
  /** The project synthesized; its incidents that the cache had and nothing rendered are parsed on first read. */
  readonly project: Project;
  readonly diff: DistDiff;
  /** True when `dist/` already matched. */
  readonly clean: boolean;
  /** Active incidents synthesized. */
  readonly active: number;
}

/** What a shared folder (the platform) is rendered from, for the cache: the target's settings and the guardrails. */
function sharedInput(project: ProjectOutline, target: SynthTarget): { input: string } {
  return { input: sha256(JSON.stringify([target.cluster ?? null, target.settings, project.guardrails])) };
}

/** Loads, validates, synthesizes and (unless `check`) writes. Throws ValidationError with nothing written. */
export function synthProject(root: string, options: SynthProjectOptions = {}): SynthResult {
  const cache = options.cache === false || options.check ? undefined : IncidentCache.open(root);
  const project = loadProjectOutline(root, { cache });
  const outdir = options.outdir ?? path.join(root, DIST_DIR);
  const folders = distFolders(project);
  const owner = (f: DistFolder<IncidentOutline>): FolderOwner => f.incident ?? sharedInput(project, f.target);
  // Folders the cache vouches for are neither rendered nor read; everything else is compared byte for byte.
  const trusted = new Set(cache ? folders.filter((f) => cache.folderUpToDate(owner(f), f.path, outdir)).map((f) => f.path) : []);
  // Only incidents with a folder to render: listing the folders of the others again would find them all trusted.
  const rendering = new Set(folders.filter((f) => f.incident && !trusted.has(f.path)).map((f) => f.incident));
  const tree = synthesize({ ...project, incidents: project.incidents.filter((i) => rendering.has(i)).map((i) => i.incident), skip: trusted });
  const diff = diffDist(outdir, tree, trusted, folders.filter(holdsFolders).map((f) => f.path));
  if (!options.check) writeDist(outdir, tree, diff);
  if (cache) {
    for (const f of folders) if (!trusted.has(f.path)) cache.setFolder(owner(f), f.path, outdir);
    cache.retain(new Set(project.incidents.map((i) => i.file)), new Set(folders.filter((f) => !f.incident).map((f) => f.path)));
    cache.save();
  }
  let whole: Project | undefined;
  return {
    get project(): Project {
      return (whole ??= { ...project, incidents: project.incidents.map((i) => i.incident) });
    },
    diff,
    clean: isClean(diff),
    active: project.incidents.filter((i) => i.status === 'active').length,
  };
}
