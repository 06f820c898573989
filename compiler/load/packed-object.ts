import { closeSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { inflateSync } from "node:zlib";

// Objects of Git pack files (pack format 2, index version 2), read here rather than through
// isomorphic-git, which loads the whole pack and inflates in JavaScript (pako): a clone's site and
// rendered branch are all packed, and a 10,000-machine plan reads 30,000 of their blobs. What this
// reader gives is checked by its id by the caller; anything it cannot read is left to isomorphic-git.

const OBJECT_TYPES = ["", "commit", "tree", "blob", "tag"] as const;
const OFS_DELTA = 6;
const REF_DELTA = 7;
/** A delta chain longer than this is git's own limit (pack.depth, 4095 at most). */
const MAX_CHAIN = 4096;

export interface PackedObject {
  readonly type: "commit" | "tree" | "blob" | "tag";
  readonly content: Buffer;
}

class PackIndex {
  readonly #fanout: Uint32Array;
  readonly #count: number;

  readonly #index: Buffer;

  private constructor(readonly packPath: string, index: Buffer) {
    this.#index = index;
    this.#fanout = new Uint32Array(256);
    for (let i = 0; i < 256; i++) this.#fanout[i] = this.#index.readUInt32BE(8 + i * 4);
    this.#count = this.#fanout[255]!;
  }

  static read(idxPath: string): PackIndex | undefined {
    const index = readFileSync(idxPath);
    // Version 2: "\377tOc", 2. Version 1 indexes (git before 1.5.2) are left to isomorphic-git.
    if (index.readUInt32BE(0) !== 0xff744f63 || index.readUInt32BE(4) !== 2) return undefined;
    return new PackIndex(idxPath.replace(/\.idx$/, ".pack"), index);
  }

  /** The object's offset in the pack, or undefined when this pack does not hold it. */
  offsetOf(oid: string): number | undefined {
    const wanted = Buffer.from(oid, "hex");
    const first = wanted[0]!;
    let low = first === 0 ? 0 : this.#fanout[first - 1]!;
    let high = this.#fanout[first]!;
    const names = 8 + 256 * 4;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const order = wanted.compare(this.#index, names + middle * 20, names + middle * 20 + 20);
      if (order === 0) return this.#offsetAt(middle);
      if (order < 0) high = middle;
      else low = middle + 1;
    }
    return undefined;
  }

  #offsetAt(position: number): number {
    const offsets = 8 + 256 * 4 + this.#count * 24;
    const small = this.#index.readUInt32BE(offsets + position * 4);
    if ((small & 0x80000000) === 0) return small;
    return Number(this.#index.readBigUInt64BE(offsets + this.#count * 4 + (small & 0x7fffffff) * 8));
  }
}

/** The packs of one repository, their indexes read once and read again when an object is not in them (a gc made new ones). */
export class PackedObjects {
  #indexes: PackIndex[] = [];
  #listed = false;
  /** Objects read lately, by pack and offset: the bases of delta chains, which neighbours share. */
  readonly #recent = new Map<string, PackedObject>();
  /** Pack files held open, by path: 10,000 reads of one pack open it once. */
  readonly #open = new Map<string, number>();

  constructor(readonly gitdir: string) {}

  /**
   * The object, or undefined when no pack holds it (or it is in a form this reader leaves to
   * others). `relist`: read the pack folder again first, for packs made since (a gc).
   */
  read(oid: string, relist = false): PackedObject | undefined {
    if (relist || !this.#listed) this.#list();
    const found = this.#find(oid);
    if (!found) return undefined;
    let fd = this.#open.get(found.index.packPath);
    if (fd === undefined) this.#open.set(found.index.packPath, (fd = openSync(found.index.packPath, "r")));
    return this.#readAt(fd, found.index.packPath, found.offset, 0);
  }

  /** Closes the packs held open (a pack a gc removed is freed on disk only then). */
  close(): void {
    for (const fd of this.#open.values()) closeSync(fd);
    this.#open.clear();
  }

  #find(oid: string): { index: PackIndex; offset: number } | undefined {
    for (const index of this.#indexes) {
      const offset = index.offsetOf(oid);
      if (offset !== undefined) return { index, offset };
    }
    return undefined;
  }

  #list(): void {
    // Packs listed again may be others (a gc replaced them): what was held open is let go.
    this.close();
    this.#recent.clear();
    const dir = join(this.gitdir, "objects", "pack");
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith(".idx")).sort();
    } catch {
      names = [];
    }
    this.#indexes = names.map((n) => PackIndex.read(join(dir, n))).filter((i): i is PackIndex => i !== undefined);
    this.#listed = true;
  }

  #readAt(fd: number, pack: string, offset: number, depth: number): PackedObject | undefined {
    const key = `${pack}:${offset}`;
    const kept = this.#recent.get(key);
    if (kept) return kept;
    const object = readAt(fd, offset, depth, (at) => this.#readAt(fd, pack, at, depth + 1), (oid) => {
      const found = this.#find(oid);
      // A base in another pack (a thin pack completed elsewhere) is left to isomorphic-git.
      return found?.index.packPath === pack ? this.#readAt(fd, pack, found.offset, depth + 1) : undefined;
    });
    if (object) {
      this.#recent.set(key, object);
      if (this.#recent.size > RECENT_OBJECTS) this.#recent.delete(this.#recent.keys().next().value!);
    }
    return object;
  }
}

// A site's files are small and share delta bases: a few MB of them spare re-inflating chains.
const RECENT_OBJECTS = 4096;

function readAt(
  fd: number, offset: number, depth: number, baseAt: (offset: number) => PackedObject | undefined, baseNamed: (oid: string) => PackedObject | undefined,
): PackedObject | undefined {
  if (depth > MAX_CHAIN) return undefined;
  // The header: type and size, then a delta's base; then the zlib stream. A chunk that holds the
  // compressed object is read (zlib adds a few bytes at worst), more if it did not.
  const head = Buffer.alloc(32);
  readSync(fd, head, 0, head.length, offset);
  let byte = head[0]!;
  const type = (byte >> 4) & 7;
  let size = byte & 15;
  let at = 1;
  for (let shift = 4; byte & 0x80; shift += 7) {
    byte = head[at++]!;
    size += (byte & 0x7f) * 2 ** shift;
  }
  let base: PackedObject | undefined;
  if (type === OFS_DELTA) {
    byte = head[at++]!;
    let distance = byte & 0x7f;
    while (byte & 0x80) {
      byte = head[at++]!;
      distance = (distance + 1) * 128 + (byte & 0x7f);
    }
    base = baseAt(offset - distance);
  } else if (type === REF_DELTA) {
    base = baseNamed(head.subarray(at, at + 20).toString("hex"));
    at += 20;
  } else if (!OBJECT_TYPES[type]) {
    return undefined; // 0 and 5 are no type
  }
  if ((type === OFS_DELTA || type === REF_DELTA) && !base) return undefined;
  const data = inflateAt(fd, offset + at, size);
  if (data.length !== size) return undefined;
  if (!base) return { type: OBJECT_TYPES[type] as PackedObject["type"], content: data };
  const content = applyDelta(base.content, data);
  return content ? { type: base.type, content } : undefined;
}

function inflateAt(fd: number, position: number, size: number): Buffer {
  for (let length = size + (size >> 4) + 1024; ; length *= 2) {
    const chunk = Buffer.allocUnsafe(length);
    const read = readSync(fd, chunk, 0, length, position);
    try {
      return inflateSync(chunk.subarray(0, read));
    } catch (error) {
      // "unexpected end of file": the chunk cut the stream; read a longer one unless the pack ended.
      if (read < length || (error as NodeJS.ErrnoException).code !== "Z_BUF_ERROR") throw error;
    }
  }
}

/** Git's delta: the base's and the result's sizes, then copies from the base and inserted bytes. */
function applyDelta(base: Buffer, delta: Buffer): Buffer | undefined {
  let at = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = delta[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return value;
    }
  };
  if (varint() !== base.length) return undefined;
  const out = Buffer.allocUnsafe(varint());
  let written = 0;
  while (at < delta.length) {
    const op = delta[at++]!;
    if (op & 0x80) {
      let copyOffset = 0;
      let copySize = 0;
      for (let i = 0; i < 4; i++) if (op & (1 << i)) copyOffset += delta[at++]! * 2 ** (8 * i);
      for (let i = 0; i < 3; i++) if (op & (16 << i)) copySize += delta[at++]! * 2 ** (8 * i);
      if (copySize === 0) copySize = 0x10000;
      if (copyOffset + copySize > base.length || written + copySize > out.length) return undefined;
      base.copy(out, written, copyOffset, copyOffset + copySize);
      written += copySize;
    } else if (op !== 0) {
      if (at + op > delta.length || written + op > out.length) return undefined;
      delta.copy(out, written, at, at + op);
      written += op;
      at += op;
    } else {
      return undefined;
    }
  }
  return written === out.length ? out : undefined;
}
