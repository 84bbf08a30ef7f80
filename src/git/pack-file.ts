/**
 * Git's pack format (version 2) and its index (version 2) for objects computed in memory.
 *
 * Why: a proposal stores some 30 new objects per incident (its manifests, the folders on the way to them, the
 * commit). Stored one by one, each is a file created in `.git/objects` (and, for trees and commits, a temp file
 * for `git hash-object` to read first): about a third of a millisecond apiece on the VM's disk, the largest
 * part of a batch before its push. As one pack they are two files, written here without starting a git process.
 *
 * The pack holds whole objects, no deltas: the push deltifies what it sends, and a repack what it keeps.
 * Trees are stored without compression: they are mostly binary ids, which deflate barely shrinks (a 38 kB folder
 * of 1,000 incidents by a third) at the cost of most of the time spent building the pack.
 * Reference: gitformat-pack(5).
 */
import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';

/** The kinds of object a proposal writes. */
export type ObjectType = 'blob' | 'tree' | 'commit';

/** An object computed in memory: its kind, its content, and the id computed from them (see objectId). */
export interface PackObject {
  readonly type: ObjectType;
  readonly oid: string;
  readonly content: Buffer;
}

/** The first bytes of a version 2 pack index, and the size of its fan-out table (a count per first byte of id). */
const IDX_V2_MAGIC = Buffer.from([0xff, 0x74, 0x4f, 0x63]);
const FANOUT_BYTES = 256 * 4;

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

/** A pack and its index, as git would store them: `pack-<name>.pack` and `pack-<name>.idx`. */
export interface EncodedPack {
  readonly pack: Buffer;
  readonly index: Buffer;
  /** The pack's checksum in hex: the name git gives the pair. */
  readonly name: string;
}

/**
 * The pack holding `objects` once each (by id), in the order given — header, each object's header and zlib
 * stream, and the trailing checksum (the repository's hash over everything before it) — and its version 2
 * index: the ids sorted, with each entry's CRC-32 and offset.
 */
export function encodePack(objects: readonly PackObject[], algorithm: 'sha1' | 'sha256'): EncodedPack {
  const unique = [...new Map(objects.map((o) => [o.oid, o])).values()];
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(unique.length, 8);
  const parts: Buffer[] = [header];
  const entries: Array<{ oid: Buffer; offset: number; crc: number }> = [];
  let offset = header.length;
  for (const o of unique) {
    const entry = Buffer.concat([entryHeader(o.type, o.content.length), deflateSync(o.content, { level: o.type === 'tree' ? 0 : 1 })]);
    parts.push(entry);
    entries.push({ oid: Buffer.from(o.oid, 'hex'), offset, crc: crc32(entry) });
    offset += entry.length;
  }
  const body = Buffer.concat(parts);
  const checksum = createHash(algorithm).update(body).digest();
  return { pack: Buffer.concat([body, checksum]), index: encodeIndex(entries, checksum, algorithm), name: checksum.toString('hex') };
}

/** A version 2 pack index (gitformat-pack(5)); a pack of ours stays far below the 2 GB that needs 8-byte offsets. */
function encodeIndex(entries: Array<{ oid: Buffer; offset: number; crc: number }>, packChecksum: Buffer, algorithm: 'sha1' | 'sha256'): Buffer {
  const sorted = [...entries].sort((a, b) => Buffer.compare(a.oid, b.oid));
  if (sorted.some((e) => e.offset >= 0x80000000)) throw new RangeError('a pack of 2 GB or more needs the index\'s large-offset table, which Airlock does not write');
  const fanout = Buffer.alloc(FANOUT_BYTES);
  for (let byte = 0, at = 0; byte < 256; byte++) {
    while (at < sorted.length && sorted[at]!.oid[0]! <= byte) at++;
    fanout.writeUInt32BE(at, byte * 4);
  }
  const crcs = Buffer.alloc(sorted.length * 4);
  const offsets = Buffer.alloc(sorted.length * 4);
  sorted.forEach((e, i) => {
    crcs.writeUInt32BE(e.crc >>> 0, i * 4);
    offsets.writeUInt32BE(e.offset, i * 4);
  });
  const version = Buffer.alloc(4);
  version.writeUInt32BE(2);
  const body = Buffer.concat([IDX_V2_MAGIC, version, fanout, ...sorted.map((e) => e.oid), crcs, offsets, packChecksum]);
  return Buffer.concat([body, createHash(algorithm).update(body).digest()]);
}

