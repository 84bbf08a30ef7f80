/**
 * Git's pack format (version 2) for objects computed in memory, and the ids a pack's index lists.
 *
 * Why: a proposal stores some 30 new objects per incident (its manifests, the folders on the way to them, the
 * commit). Stored one by one, each is a file created in `.git/objects` (and, for trees and commits, a temp file
 * for `git hash-object` to read first): about a third of a millisecond apiece on the VM's disk, the largest
 * part of a batch before its push. As one pack they are one `git index-pack` and two files.
 *
 * The pack holds whole objects, no deltas: the push deltifies what it sends, and a repack what it keeps.
 * Trees are stored without compression: they are mostly binary ids, which deflate barely shrinks (a 38 kB folder
 * of 1,000 incidents by a third) at the cost of most of the time spent building the pack.
 * Reference: gitformat-pack(5).
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

/** The kinds of object a proposal writes. */
export type ObjectType = 'blob' | 'tree' | 'commit';

/** An object computed in memory: its kind, its content, and the id computed from them (see objectId). */
export interface PackObject {
  readonly type: ObjectType;
  readonly oid: string;
  readonly content: Buffer;
}

/** The object type numbers of a pack entry's header. */
const TYPE_CODE: Readonly<Record<ObjectType, number>> = { commit: 1, tree: 2, blob: 3 };

/** The id git gives an object: the hash of `<type> <size>\0<content>`. */
export function objectId(algorithm: 'sha1' | 'sha256', type: ObjectType, content: Buffer): string {
  return createHash(algorithm).update(`${type} ${content.length}\0`).update(content).digest('hex');
}

/** An entry's header: type and size, the size in little-endian groups of 7 bits after the first 4. */
function entryHeader(type: ObjectType, size: number): Buffer {
  const bytes: number[] = [];
  let byte = (TYPE_CODE[type] << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}

/**
 * The pack holding `objects` once each (by id), in the order given: header, each object's header and zlib
 * stream, and the trailing checksum (the repository's hash over everything before it).
 */
export function encodePack(objects: readonly PackObject[], algorithm: 'sha1' | 'sha256'): Buffer {
  const unique = [...new Map(objects.map((o) => [o.oid, o])).values()];
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(unique.length, 8);
  const parts: Buffer[] = [header];
  for (const o of unique) parts.push(entryHeader(o.type, o.content.length), deflateSync(o.content, { level: o.type === 'tree' ? 0 : 1 }));
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash(algorithm).update(body).digest()]);
}

const IDX_V2_MAGIC = Buffer.from([0xff, 0x74, 0x4f, 0x63]);
const FANOUT_BYTES = 256 * 4;

/**
 * The object ids a pack index (`.idx`, version 2, or version 1 when `pack.indexVersion=1`) lists, or undefined
 * when the file is not one.
 */
export function packIndexIds(index: Buffer, algorithm: 'sha1' | 'sha256'): Set<string> | undefined {
  const idBytes = algorithm === 'sha256' ? 32 : 20;
  const v2 = index.length >= 8 && index.subarray(0, 4).equals(IDX_V2_MAGIC);
  if (v2 && index.readUInt32BE(4) !== 2) return undefined;
  const fanout = v2 ? 8 : 0;
  if (index.length < fanout + FANOUT_BYTES) return undefined;
  const count = index.readUInt32BE(fanout + FANOUT_BYTES - 4);
  // Version 2 lists the ids one after the other; version 1 gives each a 4-byte offset first.
  const stride = v2 ? idBytes : 4 + idBytes;
  const first = fanout + FANOUT_BYTES + (v2 ? 0 : 4);
  if (index.length < first + (count - 1) * stride + idBytes) return undefined;
  const ids = new Set<string>();
  for (let i = 0; i < count; i++) ids.add(index.toString('hex', first + i * stride, first + i * stride + idBytes));
  return ids;
}
