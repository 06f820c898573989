import { appendFileSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
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

  get size(): number {
    return [...this.#byMac.values()].filter((l) => l.expires > this.now()).length;
  }

  record(lease: Lease): void {
    this.#put(lease);
    if (lease.state !== "offered") this.#append(JSON.stringify(lease));
  }

  forget(mac: string): void {
    const had = this.#byMac.get(mac);
    this.#drop(mac);
    if (had && had.state !== "offered") this.#append(JSON.stringify({ forget: mac }));
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
    this.#appended = 0;
  }

  #append(line: string): void {
    if (!this.path) return;
    appendFileSync(this.path, `${line}\n`);
    const fd = openSync(this.path, "r");
    fsyncSync(fd);
    closeSync(fd);
    if (++this.#appended > 10_000) this.compact();
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
