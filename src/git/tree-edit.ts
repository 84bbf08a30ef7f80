/**
 * Building a commit's tree from its parent's without an index.
 *
 * Why: a repository holding 1,000 incidents has some 13,000 files. The index route (`read-tree` of the parent
 * into a private index, `add`, `write-tree`) reads and writes that whole index three times per commit, well over
 * 100 ms, and again for every commit of a batch. A change only ever touches a handful of folders, so Airlock
 * reads just the folders on the way to the change's paths (through the repository's long-lived `cat-file
 * --batch`, trees cached by id: see object-store.ts), splices the change's files in, computes the new trees'
 * ids itself and writes only those trees (in the batch's pack with the blobs and commits, see object-store.ts).
 * Git re-hashes every object it is given, and each id is checked against the one computed here, so a mistake in
 * this module fails loudly instead of committing a wrong tree.
 *
 * Every folder that is edited must have been listed: descending into a tree that was not listed is refused
 * (it would otherwise drop that folder's contents).
 */
import { GitDeliveryError } from './errors';
import { objectStore } from './object-store';
import { objectId, type PackObject } from './pack-file';
import type { Git } from './runner';

/** A file (or symlink, or submodule) in a tree: its mode as git writes it in trees (`100644`, `120000`…) and id. */
export interface TreeFile {
  readonly mode: string;
  readonly oid: string;
}

/** A folder whose contents are known. Immutable: edits return new folders and share the untouched ones. */
export class TreeDir {
  private cachedOid: string | undefined;
  private cachedContent: Buffer | undefined;

  constructor(
    readonly entries: ReadonlyMap<string, TreeFile | TreeDir>,
    /** Read from the repository as is (so it exists there and need not be written). */
    readonly stored: boolean,
    private readonly algorithm: 'sha1' | 'sha256',
  ) {}

  /** The tree object's bytes, in git's canonical entry order. */
  content(): Buffer {
    if (this.cachedContent) return this.cachedContent;
    const rows = [...this.entries].map(([name, node]) => ({ key: node instanceof TreeDir ? `${name}/` : name, bytes: entryBytes(name, node) }));
    // Git orders entries by their bytes (a folder as if its name ended in `/`); UTF-16 order is the same for
    // names without characters beyond U+FFFF, the common case, and much cheaper than comparing buffers.
    if (rows.every((r) => !/[\ud800-\udfff]/.test(r.key))) rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    else rows.sort((a, b) => Buffer.compare(Buffer.from(a.key, 'utf8'), Buffer.from(b.key, 'utf8')));
    this.cachedContent = Buffer.concat(rows.map((r) => r.bytes));
    return this.cachedContent;
  }

  /** The tree's object id, computed the way git does. */
  oid(): string {
    this.cachedOid ??= objectId(this.algorithm, 'tree', this.content());
    return this.cachedOid;
  }

  /** Folders of this tree (itself included) that are not yet in the repository, children first. */
  unstored(): TreeDir[] {
    if (this.stored) return [];
    return [...[...this.entries.values()].flatMap((n) => (n instanceof TreeDir ? n.unstored() : [])), this];
  }
}

/**
 * An entry's bytes in a tree (`<mode> <name>\0<raw id>`), remembered per node: a folder of 1,000 incidents is
 * hashed again for every change of a batch, and all but one of its entries are the same objects each time.
 */
const entryCache = new WeakMap<TreeFile | TreeDir, { readonly name: string; readonly bytes: Buffer }>();

function entryBytes(name: string, node: TreeFile | TreeDir): Buffer {
  const cached = entryCache.get(node);
  if (cached?.name === name) return cached.bytes;
  const dir = node instanceof TreeDir;
  const mode = dir ? '40000' : node.mode.replace(/^0+/, '');
  const bytes = Buffer.concat([Buffer.from(`${mode} ${name}\0`, 'utf8'), Buffer.from(dir ? node.oid() : node.oid, 'hex')]);
  entryCache.set(node, { name, bytes });
  return bytes;
}

/** The hash git uses for ids as long as `oid`. */
export function objectAlgorithm(oid: string): 'sha1' | 'sha256' {
  return oid.length === 64 ? 'sha256' : 'sha1';
}

/** Every folder on the way to each path, the root (`''`) included; the paths themselves are not. */
export function ancestorDirs(paths: Iterable<string>): Set<string> {
  const dirs = new Set<string>(['']);
  for (const p of paths) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return dirs;
}

/**
 * Reads the listed folders of `commit` (each must be an ancestor of every deeper listed folder, as
 * {@link ancestorDirs} gives) into a {@link TreeDir} for the root, and checks that it hashes to the commit's tree.
 * The trees come from the repository's long-lived object reader, and from its cache when read before.
 */
export async function readTreeDirs(git: Git, commit: string, dirs: ReadonlySet<string>): Promise<TreeDir> {
  const algorithm = objectAlgorithm(commit);
  const store = objectStore(git.dir);
  const rootTree = await store.commitTree(commit);
  const build = async (dir: string, oid: string): Promise<TreeDir> => {
    const raw = await store.tree(oid);
    const entries = new Map<string, TreeFile | TreeDir>(raw);
    await Promise.all(
      [...raw].map(async ([name, entry]) => {
        const child = dir === '' ? name : `${dir}/${name}`;
        if (entry.mode === '40000' && dirs.has(child)) entries.set(name, await build(child, entry.oid));
      }),
    );
    return new TreeDir(entries, true, algorithm);
  };
  const root = await build('', rootTree);
  if (root.oid() !== rootTree) {
    throw new GitDeliveryError('read tree', `the listing of ${commit.slice(0, 12)} does not add up to its tree ${rootTree.slice(0, 12)}`, 'this is a bug in Airlock; please report it with `git --version`');
  }
  return root;
}

/**
 * Which of `paths` (repository paths, files or folders) exist in `commit`, read through the object reader
 * (see {@link readTreeDirs}).
 */
export async function pathsInCommit(git: Git, commit: string, paths: readonly string[]): Promise<Set<string>> {
  const store = objectStore(git.dir);
  const rootTree = await store.commitTree(commit);
  const found = await Promise.all(
    paths.map(async (path) => {
      let oid = rootTree;
      const parts = path.split('/');
      for (let i = 0; i < parts.length; i++) {
        const entry = (await store.tree(oid)).get(parts[i]!);
        if (!entry) return false;
        if (i === parts.length - 1) return true;
        if (entry.mode !== '40000') return false;
        oid = entry.oid;
      }
      return false;
    }),
  );
  return new Set(paths.filter((_, i) => found[i]));
}

/**
 * The tree `root` with each of `paths` replaced by what `files` (repository path → file) hold at or under it:
 * a file, a folder built from the files below it, or nothing (the path is deleted). Paths must be normalised
 * (see normalizeChangePaths); a path inside another of the list is covered by the outer one.
 */
export function replacePaths(root: TreeDir, paths: readonly string[], files: ReadonlyMap<string, TreeFile>): TreeDir {
  const algorithm = objectAlgorithm(root.oid());
  const outer = paths.filter((p) => !paths.some((q) => q !== p && p.startsWith(`${q}/`)));
  let result = root;
  for (const path of outer) {
    const replacement = files.get(path) ?? folderOf(files, path, algorithm);
    result = replaceAt(result, path.split('/'), replacement, algorithm, path) ?? new TreeDir(new Map(), false, algorithm);
  }
  return result;
}

/** A new folder holding the files under `path`, or undefined when there are none. */
function folderOf(files: ReadonlyMap<string, TreeFile>, path: string, algorithm: 'sha1' | 'sha256'): TreeDir | undefined {
  const prefix = `${path}/`;
  const nested = new Map<string, Map<string, TreeFile> | TreeFile>();
  for (const [file, entry] of files) {
    if (!file.startsWith(prefix)) continue;
    const rest = file.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0) nested.set(rest, entry);
    else {
      const name = rest.slice(0, slash);
      if (!(nested.get(name) instanceof Map)) nested.set(name, new Map());
    }
  }
  if (nested.size === 0) return undefined;
  const entries = new Map<string, TreeFile | TreeDir>();
  for (const [name, value] of nested) {
    if (value instanceof Map) entries.set(name, folderOf(files, `${path}/${name}`, algorithm)!);
    else entries.set(name, value);
  }
  return new TreeDir(entries, false, algorithm);
}

function replaceAt(dir: TreeDir | undefined, segments: readonly string[], replacement: TreeFile | TreeDir | undefined, algorithm: 'sha1' | 'sha256', path: string): TreeDir | undefined {
  const entries = new Map(dir?.entries ?? []);
  const [head, ...rest] = segments as [string, ...string[]];
  if (rest.length === 0) {
    if (replacement) entries.set(head, replacement);
    else entries.delete(head);
  } else {
    const child = entries.get(head);
    if (child !== undefined && !(child instanceof TreeDir) && child.mode.replace(/^0+/, '') === '40000') {
      throw new GitDeliveryError('build tree', `folder '${segments.join('/')}' on the way to '${path}' was not read`, 'this is a bug in Airlock; please report it');
    }
    const next = replaceAt(child instanceof TreeDir ? child : undefined, rest, replacement, algorithm, path);
    if (next) entries.set(head, next);
    else entries.delete(head);
  }
  return entries.size > 0 ? new TreeDir(entries, false, algorithm) : undefined;
}

/** The commit object for `message` on `tree` with `parent`, by `author` and `committer` (`Name <email> time tz`). */
export function commitObject(algorithm: 'sha1' | 'sha256', c: { tree: string; parent: string; author: string; committer: string; message: string }): PackObject {
  const content = Buffer.from(`tree ${c.tree}\nparent ${c.parent}\nauthor ${c.author}\ncommitter ${c.committer}\n\n${c.message}`, 'utf8');
  return { type: 'commit', oid: objectId(algorithm, 'commit', content), content };
}

/** Every folder of `trees` not yet in the repository, children first, once each. */
export function unstoredTrees(trees: readonly TreeDir[]): PackObject[] {
  const byOid = new Map<string, PackObject>();
  for (const tree of trees) for (const dir of tree.unstored()) byOid.set(dir.oid(), { type: 'tree', oid: dir.oid(), content: dir.content() });
  return [...byOid.values()];
}
