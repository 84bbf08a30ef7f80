/**
 * `synth` as one function for every caller (the CLI, `cdk8s synth` through src/main.ts, `propose`): load and
 * validate the whole project first, render everything in memory, and only then touch `dist/`.
 */
import * as path from 'node:path';
import { loadProject, type Project } from '../project/load-project';
import { diffDist, isClean, writeDist, type DistDiff } from './dist-writer';
import { synthesize } from './synthesize';

/** Folder of the synthesized manifests, relative to the project root. */
export const DIST_DIR = 'dist';

/** Options of {@link synthProject}. */
export interface SynthProjectOptions {
  /** Only compare; write nothing (`synth --check`). @default false */
  readonly check?: boolean;
  /** Output folder. @default `<root>/dist` */
  readonly outdir?: string;
}

/** What a synthesis did (or, with `check`, would do). */
export interface SynthResult {
  readonly project: Project;
  readonly diff: DistDiff;
  /** True when `dist/` already matched. */
  readonly clean: boolean;
  /** Active incidents synthesized. */
  readonly active: number;
}

/** Loads, validates, synthesizes and (unless `check`) writes. Throws ValidationError with nothing written. */
export function synthProject(root: string, options: SynthProjectOptions = {}): SynthResult {
  const project = loadProject(root);
  const tree = synthesize(project);
  const outdir = options.outdir ?? path.join(root, DIST_DIR);
  const diff = diffDist(outdir, tree);
  if (!options.check) writeDist(outdir, tree, diff);
  return { project, diff, clean: isClean(diff), active: project.incidents.filter((i) => i.status === 'active').length };
}
