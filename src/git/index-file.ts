/**
 * Reading the entries of a git index file (`GIT_INDEX_FILE`) directly, for the scratch index stage.ts fills
 * with `git add`: one `git ls-files` start fewer per proposal (~7 ms of fork in the intake's writer).
 *
 * Only the plain formats are read: versions 2 and 3, every entry at stage 0, no split index (`link`
 * extension) and no sparse-directory entries. For anything else the answer is undefined and the caller asks
 * `git ls-files` as before, so an unusual configuration (`index.version=4`, `core.splitIndex`) costs time,
 * never correctness. The file's trailing checksum is verified.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TreeFile } from './tree-edit';

/** Fixed part of an entry before the object id: ctime, mtime (seconds, nanoseconds), dev, ino, mode, uid, gid, size. */
const STAT_BYTES = 40;
const EXTENDED = 0x4000;
const STAGE_MASK = 0x3000;

/**
 * The index's entries (repository path → mode and id), or undefined when the file is not in a format read here.
 * `algorithm` is the repository's object hash.
 */
export function readIndexEntries(file: string, algorithm: 'sha1' | 'sha256'): Map<string, TreeFile> | undefined {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    return undefined; // git writes no index when nothing was added
  }
  const idBytes = algorithm === 'sha256' ? 32 : 20;
  if (data.length < 12 + idBytes || data.toString('latin1', 0, 4) !== 'DIRC') return undefined;
  const version = data.readUInt32BE(4);
  if (version !== 2 && version !== 3) return undefined;
  const body = data.subarray(0, data.length - idBytes);
  if (!createHash(algorithm).update(body).digest().equals(data.subarray(data.length - idBytes))) return undefined;
  const count = data.readUInt32BE(8);
  const entries = new Map<string, TreeFile>();
  let at = 12;
  for (let i = 0; i < count; i++) {
    const header = STAT_BYTES + idBytes + 2;
    if (at + header > body.length) return undefined;
    const mode = data.readUInt32BE(at + 24);
    const oid = data.toString('hex', at + STAT_BYTES, at + STAT_BYTES + idBytes);
    const flags = data.readUInt16BE(at + STAT_BYTES + idBytes);
    if ((flags & STAGE_MASK) !== 0) return undefined;
    const extended = (flags & EXTENDED) !== 0;
    if (extended && version < 3) return undefined;
    const nameStart = at + header + (extended ? 2 : 0);
    const nul = data.indexOf(0, nameStart);
    if (nul < 0 || nul >= body.length) return undefined;
    const octal = mode.toString(8);
    // 040000: a sparse-directory entry (sparse index); the caller asks git instead.
    if (!/^(100644|100755|120000|160000)$/.test(octal)) return undefined;
    entries.set(data.toString('utf8', nameStart, nul), { mode: octal, oid });
    // Entries are padded with 1 to 8 NUL bytes to a multiple of 8 bytes, counted from the entry's start.
    at += (nameStart - at + (nul - nameStart) + 8) & ~7;
  }
  // Extensions: a split index keeps entries in another file.
  while (at + 8 <= body.length) {
    const signature = data.toString('latin1', at, at + 4);
    if (signature === 'link' || signature === 'sdir') return undefined;
    at += 8 + data.readUInt32BE(at + 4);
  }
  return entries;
}
