/**
 * Directories laid out exactly as kubelet lays out a ConfigMap volume (AtomicWriter): the data in a hidden
 * `..<generation>` directory, a `..data` symlink to it, and one visible symlink per key through `..data`.
 * An update writes a new generation, swaps `..data` with a rename, fixes the visible links and deletes the old
 * generation, in that order.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

let generation = 0;

/** Writes (or updates) a kubelet-style ConfigMap volume at `dir` holding `data`. */
export async function kubeletWrite(dir: string, data: Readonly<Record<string, string>>): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const before = await fs.readdir(dir);
  const gen = `..2024_01_01_00_00_00.${String(++generation).padStart(9, '0')}`;
  await fs.mkdir(path.join(dir, gen));
  for (const [k, v] of Object.entries(data)) await fs.writeFile(path.join(dir, gen, k), v);
  await fs.symlink(gen, path.join(dir, '..data_tmp'));
  await fs.rename(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
  for (const k of Object.keys(data)) {
    if (!before.includes(k)) await fs.symlink(path.join('..data', k), path.join(dir, k));
  }
  for (const name of before) {
    if (name.startsWith('..') && name !== '..data') await fs.rm(path.join(dir, name), { recursive: true, force: true });
    else if (!name.startsWith('..') && !(name in data)) await fs.rm(path.join(dir, name));
  }
}

/**
 * A projected volume with several ConfigMap sources mapped to `<name>/<key>` paths: one generation holding a
 * sub-directory per ConfigMap, visible through symlinked top-level directories.
 */
export async function kubeletWriteProjected(dir: string, configMaps: Readonly<Record<string, Readonly<Record<string, string>>>>): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const before = await fs.readdir(dir);
  const gen = `..2024_01_01_00_00_00.${String(++generation).padStart(9, '0')}`;
  for (const [name, data] of Object.entries(configMaps)) {
    await fs.mkdir(path.join(dir, gen, name), { recursive: true });
    for (const [k, v] of Object.entries(data)) await fs.writeFile(path.join(dir, gen, name, k), v);
  }
  await fs.symlink(gen, path.join(dir, '..data_tmp'));
  await fs.rename(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
  for (const name of Object.keys(configMaps)) {
    if (!before.includes(name)) await fs.symlink(path.join('..data', name), path.join(dir, name));
  }
  for (const name of before) {
    if (name.startsWith('..') && name !== '..data') await fs.rm(path.join(dir, name), { recursive: true, force: true });
    else if (!name.startsWith('..') && !(name in configMaps)) await fs.rm(path.join(dir, name));
  }
}
