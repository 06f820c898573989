import { closeSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { formatIpv4 } from "../../compiler/net/ipv4.js";
import type { Lease, LeaseView } from "./dhcp-policy.js";

/**
 * Leases in memory, bound ones also in an append-only file (one JSON line each, fsynced before the
 * ACK leaves), so a restart never hands out an address a client still holds. Offers are kept in
 * memory only: a lost offer costs the client one retry.
 */
export class LeaseStore implements LeaseView {
  readonly #byMac = new Map<string, Lease>();
  readonly #byAddress = new Map<string, Lease>();
  #appended = 0;

  constructor(readonly path: string | undefined, private readonly now: () => number) {
    if (!path) return;
    mkdirSync(dirname(path), { recursive: true });
    let text = "";
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    for (const line of text.split("\n")) {
      if (!line) continue;
      try {
        const record = JSON.parse(line) as Lease | { forget: string };
        if ("forget" in record) this.#drop(record.forget);
        else this.#put(record);
      } catch {
        // A line cut short by a crash mid-write: every complete line before it still counts.
      }
    }
    this.compact();
  }

  byMac(mac: string): Lease | undefined {
    return this.#byMac.get(mac);
  }

  byAddress(address: string): Lease | undefined {
    return this.#byAddress.get(address);
  }

  readonly #cursors = new Map<string, number>();

  /**
   * The lowest free address is found from a cursor that moves on after each hand-out and wraps at
   * the end of the pool, so allocating n leases costs O(n), not O(n²), and a just-released address
   * is not the next one given.
   */
  freeAddress(start: number, end: number, now: number): number | undefined {
    const key = `${start}-${end}`;
    const size = end - start + 1;
    const from = this.#cursors.get(key) ?? start;
    for (let i = 0; i < size; i++) {
      const address = start + ((from - start + i) % size);
      const lease = this.#byAddress.get(formatIpv4(address));
      if (!lease || lease.expires <= now) {
        this.#cursors.set(key, address + 1 > end ? start : address + 1);
        return address;
      }
    }
    return undefined;
  }

  get size(): number {
    return [...this.#byMac.values()].filter((l) => l.expires > this.now()).length;
  }

  /** Records a lease; a bound or declined one is durable only after the next flush(). */
  record(lease: Lease): void {
    this.#put(lease);
    if (lease.state !== "offered") this.#unflushed.push(JSON.stringify(lease));
  }

  forget(mac: string): void {
    const had = this.#byMac.get(mac);
    this.#drop(mac);
    if (had && had.state !== "offered") this.#unflushed.push(JSON.stringify({ forget: mac }));
  }

  readonly #unflushed: string[] = [];

  /** Appends every record since the last flush and fsyncs once: group commit for a burst of ACKs. */
  flush(): void {
    if (this.#unflushed.length === 0) return;
    const lines = this.#unflushed.splice(0);
    this.#append(lines.join("\n"), lines.length);
  }

  /** Rewrites the file with the live leases only (temporary file + rename: never a half file). */
  compact(): void {
    if (!this.path) return;
    const live = [...this.#byMac.values()].filter((l) => l.state !== "offered" && l.expires > this.now());
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, live.map((l) => `${JSON.stringify(l)}\n`).join(""));
    const fd = openSync(temporary, "r");
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temporary, this.path);
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    this.#appended = 0;
  }

  #fd: number | undefined;

  close(): void {
    this.flush();
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #append(text: string, records: number): void {
    if (!this.path) return;
    // One descriptor kept open, rather than an open/fsync/close per burst.
    this.#fd ??= openSync(this.path, "a");
    writeSync(this.#fd, `${text}\n`);
    fdatasyncSync(this.#fd);
    this.#appended += records;
    if (this.#appended > 10_000) this.compact();
  }

  #put(lease: Lease): void {
    this.#drop(lease.mac);
    const other = this.#byAddress.get(lease.address);
    if (other) this.#byMac.delete(other.mac);
    this.#byMac.set(lease.mac, lease);
    this.#byAddress.set(lease.address, lease);
  }

  #drop(mac: string): void {
    const old = this.#byMac.get(mac);
    if (!old) return;
    this.#byMac.delete(mac);
    if (this.#byAddress.get(old.address) === old) this.#byAddress.delete(old.address);
  }
}
