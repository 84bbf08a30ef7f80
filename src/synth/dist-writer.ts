/**
 * Writes the synthesized tree to `dist/`, or compares it (`synth --check`). Only folders whose bytes differ
 * are touched. Each changed folder is written completely in a staging directory beside `dist/` and then
 * swapped in by rename, so a reader (git, kustomize, a controller) sees every folder either as it was or as
 * it is now, never half-written; when the input is invalid nothing reaches this module at all.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FolderFiles } from './render';
import type { DistTree } from './synthesize';

/** What differs between the tree and `dist/`, as paths relative to `dist/`'s parent (e.g. `dist/inc-1/x.yaml`). */
export interface DistDiff {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  /** Folders (paths under `dist/`) that differ in any way, and stray paths to remove. */
  readonly folders: readonly string[];
}

/** Whether a diff is empty. */
export function isClean(diff: DistDiff): boolean {
  return diff.folders.length === 0;
}

function listFolder(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? `${e.name}/` : e.name));
  } catch {
    return [];
  }
}

/** Everything under a folder, recursively, as relative paths ("sub/" entries expanded). */
function filesUnder(dir: string, prefix = ''): string[] {
  return listFolder(dir).flatMap((name) => (name.endsWith('/') ? filesUnder(path.join(dir, name), `${prefix}${name}`) : [`${prefix}${name}`]));
}

/**
 * Compares the tree with what is on disk in `distDir`. Folders in `unchanged` are known to be up to date
 * (not rendered, not read). Anything else on disk — a lifted incident's folder, a cluster no longer declared,
 * a stray file — is to be removed: `dist/` holds only what the incidents synthesize to.
 */
export function diffDist(distDir: string, tree: DistTree, unchanged: ReadonlySet<string> = new Set()): DistDiff {
  const label = path.basename(distDir);
  const added: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];
  const folders = new Set<string>();
  for (const [folder, files] of tree) {
    const dir = path.join(distDir, folder);
    const present = new Set(filesUnder(dir));
    for (const [name, content] of files) {
      const rel = `${label}/${folder}/${name}`;
      if (!present.delete(name)) {
        added.push(rel);
        folders.add(folder);
      } else if (fs.readFileSync(path.join(dir, name), 'utf8') !== content) {
        changed.push(rel);
        folders.add(folder);
      }
    }
    for (const extra of present) {
      removed.push(`${label}/${folder}/${extra}`);
      folders.add(folder);
    }
  }
  // Folders sit at one depth: `<slug>`, or `<cluster>/<slug>` with many clusters.
  const expected = new Set([...tree.keys(), ...unchanged]);
  const depth = expected.size > 0 ? [...expected][0].split('/').length : 1;
  const parents = new Set([...expected].flatMap((f) => f.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
  const walk = (rel: string, level: number): void => {
    for (const entry of listFolder(rel ? path.join(distDir, rel) : distDir)) {
      const isDir = entry.endsWith('/');
      const p = rel ? `${rel}/${entry.replace(/\/$/, '')}` : entry.replace(/\/$/, '');
      if (isDir && level < depth && parents.has(p)) walk(p, level + 1);
      else if (!(isDir && level === depth && expected.has(p))) {
        removed.push(...(isDir ? filesUnder(path.join(distDir, p)).map((f) => `${label}/${p}/${f}`) : [`${label}/${p}`]));
        folders.add(p);
      }
    }
  };
  walk('', 1);
  const sort = (xs: string[]): string[] => xs.sort();
  return { added: sort(added), changed: sort(changed), removed: sort(removed), folders: [...folders].sort() };
}

function writeFolder(dir: string, files: FolderFiles): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of files) fs.writeFileSync(path.join(dir, name), content);
}

/**
 * Brings `distDir` in line with the tree, touching only the folders in `diff` (compute it with
 * {@link diffDist} right before). Staging lives next to `dist/` so the renames stay on one filesystem.
 */
export function writeDist(distDir: string, tree: DistTree, diff: DistDiff = diffDist(distDir, tree)): void {
  if (isClean(diff)) return;
  const parent = path.dirname(path.resolve(distDir));
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, '.airlock-staging-'));
  try {
    if (!fs.existsSync(distDir)) {
      // No dist/ yet: build it whole and move it in with one rename.
      const whole = path.join(staging, 'dist');
      for (const [folder, files] of tree) writeFolder(path.join(whole, folder), files);
      fs.mkdirSync(whole, { recursive: true });
      fs.renameSync(whole, distDir);
      return;
    }
    const fresh = path.join(staging, 'new');
    const old = path.join(staging, 'old');
    fs.mkdirSync(old);
    for (const folder of diff.folders) {
      const files = tree.get(folder);
      if (files) writeFolder(path.join(fresh, folder), files);
    }
    for (const folder of diff.folders) {
      const target = path.join(distDir, folder);
      if (fs.existsSync(target)) {
        fs.mkdirSync(path.dirname(path.join(old, folder)), { recursive: true });
        fs.renameSync(target, path.join(old, folder));
      }
      if (tree.has(folder)) {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.renameSync(path.join(fresh, folder), target);
      }
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
