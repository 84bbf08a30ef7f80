/**
 * Reading and writing git objects: a long-lived `cat-file --batch` (see git-process.ts) reads commits, trees and
 * refs; the objects Airlock computed (blobs of the work tree, trees, commits: stage.ts, tree-edit.ts) are
 * written as one pack per batch, with its index, as git itself writes them (pack-file.ts). Each object's id is
 * checked against its content first. This replaced `git index-pack --fsck-objects`: a process per batch, about
 * 15 ms of a proposal's path and a tenth of the intake's CPU per alert with it; the format of the trees and
 * commits is the tests' business (`git fsck --strict` over what the proposals stored).
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
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitDeliveryError } from './errors';
import { gitPaths, GitProcess, runGitWithInput, type AnswerParser } from './git-process';
import { encodePack, objectId, type PackObject } from './pack-file';

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
   * Stores `objects` as one pack (`objects/pack/pack-<checksum>.{pack,idx}`); throws before writing anything
   * when an object's content does not hash to its id. Nothing is written for an empty list.
   */
  async writePack(objects: readonly PackObject[], algorithm: 'sha1' | 'sha256'): Promise<void> {
    if (objects.length === 0) return;
    const wrong = objects.find((o) => objectId(algorithm, o.type, o.content) !== o.oid);
    if (wrong) throw new GitDeliveryError(`write ${wrong.type}`, `${wrong.type} ${wrong.oid} does not hold what its id says`, 'this is a bug in Airlock; please report it with `git --version`');
    const { pack, index, name } = encodePack(objects, algorithm);
    const dir = join(await this.objectsDir(), 'pack');
    const temp = join(dir, `tmp_airlock_${process.pid}_${randomBytes(6).toString('hex')}`);
    try {
      // As git stores a pack: each file whole on disk before its rename, the index last (it makes the pack seen).
      writeDurably(`${temp}.pack`, pack);
      writeDurably(`${temp}.idx`, index);
      renameSync(`${temp}.pack`, join(dir, `pack-${name}.pack`));
      renameSync(`${temp}.idx`, join(dir, `pack-${name}.idx`));
    } catch (error) {
      rmSync(`${temp}.pack`, { force: true });
      rmSync(`${temp}.idx`, { force: true });
      throw error;
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

/** Writes `bytes` to a new file, read-only as git keeps its packs, and flushes it to disk. */
function writeDurably(file: string, bytes: Buffer): void {
  const fd = openSync(file, 'wx', 0o444);
  try {
    writeFileSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
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
