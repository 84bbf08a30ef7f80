/**
 * Reading and writing git objects: a long-lived `cat-file --batch` (see git-process.ts) reads commits, trees and
 * refs; the objects Airlock computed (blobs of the work tree, trees, commits: stage.ts, tree-edit.ts) are
 * written as one pack per batch through `git index-pack --fsck-objects`, which checks every object's format
 * and computes its id, and the ids it lists are checked against the computed ones.
 *
 * One store per repository directory, kept for the life of the process: the intake's writer asks every batch.
 * Trees are cached by id (an id names its content forever, so the cache is never stale); what a ref points to
 * is asked every time.
 *
 * A pack per batch would pile up in a long-running writer (the intake), and git looks an object up pack by
 * pack: {@link ObjectStore.rollUpPacks} runs `git repack --geometric=2 -d` in the background past
 * {@link PACKS_BEFORE_REPACK} packs, which rolls the small packs into larger ones at a cost that stays
 * proportional to what is new. A one-off command leaves that to git's own `gc --auto`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitDeliveryError } from './errors';
import { gitPaths, GitProcess, runGitWithInput, type AnswerParser } from './git-process';
import { encodePack, packIndexIds, type PackObject } from './pack-file';

/** Packs in `objects/pack` above which {@link ObjectStore.rollUpPacks} starts a geometric repack. */
export const PACKS_BEFORE_REPACK = 24;

/** An object read from the repository. */
export interface StoredObject {
  readonly oid: string;
  readonly type: string;
  readonly content: Buffer;
}

/** An entry of a tree object: mode as git writes it (`100644`, `40000`…), name and id. */
export interface RawTreeEntry {
  readonly mode: string;
  readonly oid: string;
}

/**
 * Trees kept in memory per repository, least recently used dropped first. A proposal reads about five per
 * parent commit (the root, `incidents/`, `dist/`…), and those of the base are the same batch after batch; a
 * folder of 1,000 entries takes some 200 kB, so the bound keeps the cache to a few MB.
 */
const TREE_CACHE_LIMIT = 64;

/** A `cat-file --batch` answer: `<oid> <type> <size>\n<content>\n`, or `<name> missing\n` (undefined). */
const objectAnswer: AnswerParser<StoredObject | undefined> = (buffer) => {
  const end = buffer.indexOf(0x0a);
  if (end < 0) return undefined;
  const header = buffer.toString('utf8', 0, end);
  const m = /^([0-9a-f]{40,64}) (\S+) (\d+)$/.exec(header);
  if (!m) {
    if (/ (missing|ambiguous)$/.test(header)) return { value: undefined, length: end + 1 };
    throw new GitDeliveryError('read object', `unexpected answer from git cat-file: ${header.slice(0, 200)}`, 'this is a bug in Airlock; please report it with `git --version`');
  }
  const size = Number(m[3]);
  if (buffer.length < end + 1 + size + 1) return undefined;
  return { value: { oid: m[1]!, type: m[2]!, content: Buffer.from(buffer.subarray(end + 1, end + 1 + size)) }, length: end + 1 + size + 1 };
};

/** The git objects of one repository. */
export class ObjectStore {
  private readonly reader: GitProcess;
  private readonly trees = new Map<string, ReadonlyMap<string, RawTreeEntry>>();
  private objects: Promise<string> | undefined;
  private repackFailed = false;
  /** The roll-up of packs under way (see rollUpPacks), or undefined. */
  private repacking: Promise<void> | undefined;

  constructor(readonly dir: string) {
    this.reader = new GitProcess(dir, ['cat-file', '--batch']);
  }

  /** The reading process (tests). */
  get readerProcess(): GitProcess {
    return this.reader;
  }

  /**
   * The object `name` names (an id, a full ref name, `<rev>^{tree}`…), or undefined when there is none. `name`
   * must be one line; callers pass ids and checked ref names only.
   */
  async read(name: string): Promise<StoredObject | undefined> {
    if (/[\n\r]/.test(name)) throw new GitDeliveryError('read object', `invalid object name ${JSON.stringify(name)}`, 'this is a bug in Airlock; please report it');
    return this.reader.request(`${name}\n`, objectAnswer);
  }

  /** The commit `name` resolves to, or undefined. */
  async resolveCommit(name: string): Promise<string | undefined> {
    const object = await this.read(`${name}^{commit}`);
    return object?.oid;
  }

  /** The tree of commit `commit`. Throws when it is not a commit in this repository. */
  async commitTree(commit: string): Promise<string> {
    const object = await this.read(commit);
    const tree = object?.type === 'commit' ? /^tree ([0-9a-f]{40,64})\n/.exec(object.content.toString('utf8', 0, 80))?.[1] : undefined;
    if (!tree) throw new GitDeliveryError('read commit', `${commit.slice(0, 12)} is not a commit in this repository`, 'fetch the remote again; if it persists, report it as a bug in Airlock');
    return tree;
  }

  /** The entries of tree `oid` by name. Throws when it is not a tree in this repository. */
  async tree(oid: string): Promise<ReadonlyMap<string, RawTreeEntry>> {
    const cached = this.trees.get(oid);
    if (cached) {
      this.trees.delete(oid);
      this.trees.set(oid, cached);
      return cached;
    }
    const object = await this.read(oid);
    if (object?.type !== 'tree') throw new GitDeliveryError('read tree', `${oid.slice(0, 12)} is not a tree in this repository`, 'this is a bug in Airlock; please report it with `git --version`');
    const entries = parseTree(object.content, oid.length / 2);
    if (this.trees.size >= TREE_CACHE_LIMIT) this.trees.delete(this.trees.keys().next().value!);
    this.trees.set(oid, entries);
    return entries;
  }

  /**
   * Stores `objects` as one pack and checks that git listed each under the id computed for it. Nothing is
   * written for an empty list.
   */
  async writePack(objects: readonly PackObject[], algorithm: 'sha1' | 'sha256'): Promise<void> {
    if (objects.length === 0) return;
    const pack = encodePack(objects, algorithm);
    const answer = (await runGitWithInput(this.dir, ['index-pack', '--fsck-objects', '--stdin'], pack)).toString('utf8');
    const name = /^pack\t([0-9a-f]{40,64})$/m.exec(answer)?.[1];
    const objectsDir = await this.objectsDir();
    const listed = name ? packIndexIds(readFileSync(join(objectsDir, 'pack', `pack-${name}.idx`)), algorithm) : undefined;
    const missing = objects.find((o) => !listed?.has(o.oid));
    if (missing) {
      throw new GitDeliveryError(`write ${missing.type}`, `git did not store ${missing.type} ${missing.oid} as computed${listed ? '' : ` (index-pack answered ${JSON.stringify(answer.trim())})`}`, 'this is a bug in Airlock; please report it with `git --version`');
    }
  }

  /** The repository's object folder (see gitPaths). */
  private async objectsDir(): Promise<string> {
    this.objects ??= gitPaths(this.dir, ['objects']).then(([objects]) => objects!);
    return this.objects;
  }

  /**
   * Rolls packs up (`git repack --geometric=2 -d`) when more than {@link PACKS_BEFORE_REPACK} have piled up;
   * for a long-running writer, after each batch, in the background. Resolves once done (at once when not
   * needed), joining a roll-up already under way. Never fails: a repack that cannot run only costs lookup time.
   */
  rollUpPacks(): Promise<void> {
    this.repacking ??= this.rollUp().finally(() => {
      this.repacking = undefined;
    });
    return this.repacking;
  }

  private async rollUp(): Promise<void> {
    if (this.repackFailed) return;
    let packs = 0;
    try {
      packs = readdirSync(join(await this.objectsDir(), 'pack')).filter((f) => f.endsWith('.pack')).length;
    } catch {
      return;
    }
    if (packs <= PACKS_BEFORE_REPACK) return;
    try {
      await runGitWithInput(this.dir, ['repack', '-d', '-q', '--geometric=2'], '');
    } catch {
      // An old git without --geometric, or a repository it cannot repack: packs keep piling up, which only
      // costs lookup time; not worth failing proposals for, nor retrying every batch.
      this.repackFailed = true;
    }
  }

  /** Stops the store's processes. */
  close(): void {
    this.reader.close();
  }
}

/** Parses a tree object's bytes (`<mode> <name>\0<raw id>`…). */
function parseTree(content: Buffer, idBytes: number): Map<string, RawTreeEntry> {
  const entries = new Map<string, RawTreeEntry>();
  let at = 0;
  while (at < content.length) {
    const space = content.indexOf(0x20, at);
    const nul = content.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 1 + idBytes > content.length) {
      throw new GitDeliveryError('read tree', 'a tree object is malformed', 'run `git fsck` on the repository');
    }
    const mode = content.toString('latin1', at, space);
    const name = content.toString('utf8', space + 1, nul);
    entries.set(name, { mode, oid: content.toString('hex', nul + 1, nul + 1 + idBytes) });
    at = nul + 1 + idBytes;
  }
  return entries;
}

const stores = new Map<string, ObjectStore>();

/** The store of the repository whose work tree top (or git directory) is `dir`, started on first use. */
export function objectStore(dir: string): ObjectStore {
  let store = stores.get(dir);
  if (!store) {
    store = new ObjectStore(dir);
    stores.set(dir, store);
  }
  return store;
}

/** Stops every store's processes (they also end by themselves when this process exits). */
export function closeObjectStores(): void {
  for (const store of stores.values()) store.close();
  stores.clear();
}
