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
  /** Folders that hold other folders: written file by file, never swapped whole. */
  readonly holders: ReadonlySet<string>;
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
 *
 * Folders may nest (`_evidence/` holds `incidents/`, which holds a folder per incident): a folder's own files
 * are its direct files, and a sub-folder that is itself expected, or leads to one, belongs to that folder.
 * `holders` names the folders that may hold others even when none is expected now (a lifted incident's
 * capture folder must still go when the folder around it is trusted).
 */
export function diffDist(distDir: string, tree: DistTree, unchanged: ReadonlySet<string> = new Set(), holders: Iterable<string> = []): DistDiff {
  const label = path.basename(distDir);
  const added: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];
  const folders = new Set<string>();
  const expected = new Set([...tree.keys(), ...unchanged]);
  const parents = parentsOf(expected);
  const holding = new Set([...parents, ...holders]);
  const kept = (p: string): boolean => expected.has(p) || parents.has(p);
  const drop = (p: string, isDir: boolean, folder: string): void => {
    removed.push(...(isDir ? filesUnder(path.join(distDir, p)).map((f) => `${label}/${p}/${f}`) : [`${label}/${p}`]));
    folders.add(folder);
  };
  // No dist/ yet (a first synth, a fresh clone): everything is added; no folder needs listing.
  const fresh = !fs.existsSync(distDir);
  for (const [folder, files] of tree) {
    const dir = path.join(distDir, folder);
    const present = new Set<string>();
    for (const entry of fresh ? [] : listFolder(dir)) {
      const sub = `${folder}/${entry.slice(0, -1)}`;
      if (!entry.endsWith('/')) present.add(entry);
      // A holder's sub-folders are judged by the walk below, which reaches them even when the holder is trusted.
      else if (!holding.has(folder) && !kept(sub)) drop(sub, true, sub);
    }
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
    for (const extra of present) drop(`${folder}/${extra}`, false, folder);
  }
  // Walk every folder that leads to an expected one (holders included, trusted or not): what is neither
  // expected nor on the way to one goes, except the files of an expected folder, compared above (or trusted).
  const walk = (rel: string): void => {
    for (const entry of listFolder(rel ? path.join(distDir, rel) : distDir)) {
      const isDir = entry.endsWith('/');
      const p = rel ? `${rel}/${entry.replace(/\/$/, '')}` : entry.replace(/\/$/, '');
      if (isDir && kept(p)) {
        if (holding.has(p)) walk(p);
      } else if (isDir || !expected.has(rel)) drop(p, isDir, p);
    }
  };
  walk('');
  const sort = (xs: string[]): string[] => xs.sort();
  return { added: sort(added), changed: sort(changed), removed: sort(removed), folders: [...folders].sort(), holders: holding };
}

/** Every proper ancestor of the folders (`a/b/c` → `a`, `a/b`). */
function parentsOf(folders: Iterable<string>): Set<string> {
  const parents = new Set<string>();
  for (const f of folders) {
    const parts = f.split('/');
    for (let i = 1; i < parts.length; i++) parents.add(parts.slice(0, i).join('/'));
  }
  return parents;
}

function writeFolder(dir: string, files: FolderFiles): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of files) fs.writeFileSync(path.join(dir, name), content);
}

/**
 * Brings `distDir` in line with the tree, touching only the folders in `diff` (compute it with
 * {@link diffDist} right before). Staging lives next to `dist/` so the renames stay on one filesystem.
 *
 * A changed folder is swapped whole by rename, except one that holds other folders (`_evidence/`): swapping
 * it would carry its sub-folders away, so its own few files are replaced one by one, each by a rename.
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
      const files = tree.get(folder);
      if (files && diff.holders.has(folder)) {
        replaceFiles(target, path.join(fresh, folder), files, path.join(old, folder));
        continue;
      }
      if (fs.existsSync(target)) {
        fs.mkdirSync(path.dirname(path.join(old, folder)), { recursive: true });
        fs.renameSync(target, path.join(old, folder));
      }
      if (files) {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.renameSync(path.join(fresh, folder), target);
      }
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** A folder that holds other folders: its stray files move out and its files are renamed in (foreign sub-folders are diff folders of their own). */
function replaceFiles(target: string, fresh: string, files: FolderFiles, old: string): void {
  fs.mkdirSync(target, { recursive: true });
  fs.mkdirSync(old, { recursive: true });
  for (const entry of fs.readdirSync(target, { withFileTypes: true })) {
    if (!entry.isDirectory() && !files.has(entry.name)) fs.renameSync(path.join(target, entry.name), path.join(old, entry.name));
  }
  for (const name of files.keys()) fs.renameSync(path.join(fresh, name), path.join(target, name));
}
