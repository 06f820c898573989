// A compile with a warm cache (files, resolved machines, per-machine files) gives exactly what a
// clean compile gives: over a random sequence of site edits (machines added, removed, renumbered,
// moved to another role, a network, a cluster or the site changed), every render and every
// diagnostic, byte for byte, with each render the next one's previous (its IPAM state, secrets,
// certificates).
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CompileCache } from "../../compiler/compile-cache.js";
import { compile, type CompileResult, type PreviousRender } from "../../compiler/index.js";
import { blobIdOf } from "../../compiler/load/site-file-cache.js";
import { MemoryTree } from "../../compiler/load/site-tree.js";
import type { CompilePorts } from "../../compiler/ports.js";
import { freshKeystore } from "../helpers/keystore.js";
import { repoRoot } from "../helpers/paths.js";

/** A tree that knows its blob ids, as a Git commit's tree does: cached files are not read. */
class BlobTree extends MemoryTree {
  readonly reads: string[] = [];
  constructor(private readonly files: ReadonlyMap<string, string>) {
    super(files);
  }

  contentId(path: string): string | undefined {
    const text = this.files.get(path);
    return text === undefined ? undefined : blobIdOf(text);
  }

  override async readFile(path: string): Promise<string> {
    this.reads.push(path);
    return super.readFile(path);
  }
}

/**
 * The same bytes for every compile of a step: both compiles draw the same random numbers. Each step
 * is twenty days after the one before: certificates (397 days, renewed 30 days before) come due for renewal.
 */
function seededPorts(seed: number): CompilePorts {
  let state = seed;
  return {
    now: () => new Date(Date.UTC(2026, 0, 1) + seed * 20 * 24 * 3600 * 1000),
    randomBytes: (size) => Buffer.from(Array.from({ length: size }, () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state >>> 24;
    })),
  };
}

function previousOf(result: CompileResult | undefined): PreviousRender | undefined {
  const files = result?.files;
  if (!files) return undefined;
  const byPath = new Map(files.map((f) => [f.path, f.content]));
  return { label: "render/", readFile: async (path) => byPath.get(path) };
}

// eyaml's PKCS#7 envelopes take a fresh random key and IV by design (node-forge's own generator):
// the two compiles' ciphertexts differ even for one plaintext, which comes from the seeded ports.
const ENVELOPE = /ENC\[PKCS7,[A-Za-z0-9+/=]+\]/g;
// A certificate issued by both compiles has its own random key (WebCrypto's) and signature: it is
// compared by what the compile decides, its serial (from the seeded ports) and its names. A kept
// certificate is the previous render's, the same bytes in both.
// (In hiera, a certificate is a double-quoted YAML string: its line breaks are written `\n`.)
const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\\A-Za-z0-9+/=]+?-----END CERTIFICATE-----/g;
const certificateSummary = (pem: string) => {
  const cert = new X509Certificate(pem.replaceAll("\\n", "\n"));
  return `CERTIFICATE[${cert.serialNumber} ${cert.subjectAltName ?? ""}]`;
};

/** Where two compiles' renders differ (a path and the first differing line), ciphertexts aside. */
function firstDifference(a: CompileResult, b: CompileResult): string | undefined {
  // The manifest hashes the files, ciphertexts included: its paths are compared, its digests are not.
  const text = (r: CompileResult) => new Map((r.files ?? []).map((f) => [f.path,
    f.path === "manifest.json" ? f.content.replace(/"[0-9a-f]{64}"/g, '"…"') : f.content.replace(ENVELOPE, "ENC[…]").replace(CERTIFICATE, certificateSummary)]));
  const [left, right] = [text(a), text(b)];
  for (const path of [...new Set([...left.keys(), ...right.keys()])].sort()) {
    const [x, y] = [left.get(path), right.get(path)];
    if (x === y) continue;
    if (x === undefined || y === undefined) return `${path}: only in the ${x === undefined ? "clean" : "cached"} compile`;
    const lines = [x.split("\n"), y.split("\n")] as const;
    const at = lines[0].findIndex((line, i) => line !== lines[1][i]);
    return `${path}:${at + 1}: cached ${JSON.stringify(lines[0][at])}, clean ${JSON.stringify(lines[1][at])}`;
  }
  return undefined;
}

const machine = (cluster: string, hostname: string, role: string, serial: number, management?: string) => {
  const mac = `52:54:00:${((serial >> 8) & 255).toString(16).padStart(2, "0")}:${(serial & 255).toString(16).padStart(2, "0")}:01`;
  return `apiVersion: oci/v1\nkind: Machine\nhostname: ${hostname}\nrole: ${role}\nserial: "SN${serial}"\nbootMacs: ["${mac}"]\ninstall: true\n` +
    `interfaces:\n  - network: pxe\n    mac: "${mac}"\n  - network: management\n${management ? `    ip: ${management}\n` : ""}`;
};

function startingSite(): Map<string, string> {
  const files = new Map<string, string>();
  files.set("keys/eyaml-public.pem", readFileSync(join(repoRoot, "sample-site/keys/eyaml-public.pem"), "utf8"));
  files.set("site.yaml", SITE);
  files.set("networks/pxe.yaml", "apiVersion: oci/v1\nkind: Network\nname: pxe\ncidr: 10.100.0.0/24\npurpose: pxe\ngateway: 10.100.0.1\nreserved:\n  - start: 10.100.0.1\n    end: 10.100.0.9\n");
  files.set("networks/storage.yaml", "apiVersion: oci/v1\nkind: Network\nname: storage\ncidr: 10.102.0.0/24\npurpose: storage\n");
  files.set("networks/management.yaml", "apiVersion: oci/v1\nkind: Network\nname: management\ncidr: 10.101.0.0/24\npurpose: management\nvlan: 10\ngateway: 10.101.0.1\n");
  for (const cluster of ["c1", "c2"]) {
    files.set(`clusters/${cluster}/cluster.yaml`, `apiVersion: oci/v1\nkind: Cluster\nname: ${cluster}\nvip:\n  address: auto\nservices: [keystone, glance, nova, neutron]\n`);
  }
  let serial = 0;
  for (const cluster of ["c1", "c2"]) {
    for (let i = 0; i < 8; i++) {
      const role = i < 1 ? "controller" : "compute";
      serial++;
      files.set(`clusters/${cluster}/machines/${cluster}-m${serial}.yaml`, machine(cluster, `${cluster}-m${serial}`, role, serial));
    }
  }
  return files;
}

const KINDS = ["add", "remove", "renumber", "role", "network", "cluster", "site"];

const SITE = "apiVersion: oci/v1\nkind: Site\nname: eq\ndomain: eq.example.org\nprovisioning:\n  address: 10.100.0.2\npuppet:\n  server: puppet.eq.example.org\nsecrets:\n  eyamlPublicKey: keys/eyaml-public.pem\n";

describe("a compile with the cache equals a clean compile", () => {
  it("over 200 random site edits: every render and every diagnostic, byte for byte", { timeout: 600_000 }, async () => {
    let seed = 20261201;
    const random = (n: number) => {
      seed = (Math.imul(seed, 48271) + 1) % 2147483647;
      return Math.abs(seed) % n;
    };
    const site = startingSite();
    const cache = new CompileCache();
    // With the keystore: certificates are issued for new machines and names, and kept otherwise.
    const { ca } = await freshKeystore();
    let previous: CompileResult | undefined;
    let nextSerial = 100;
    const counts: Record<string, number> = {};
    let errorsSeen = 0;
    for (let step = 0; step < 200; step++) {
      const machines = [...site.keys()].filter((p) => p.includes("/machines/")).sort();
      const edit = step === 0 ? "none" : KINDS[random(KINDS.length)]!;
      counts[edit] = (counts[edit] ?? 0) + 1;
      if (edit === "add") {
        const cluster = random(2) === 0 ? "c1" : "c2";
        const serial = nextSerial++;
        site.set(`clusters/${cluster}/machines/${cluster}-m${serial}.yaml`, machine(cluster, `${cluster}-m${serial}`, "compute", serial));
      } else if (edit === "remove" && machines.length > 4) {
        const path = machines[random(machines.length)]!;
        if (!site.get(path)!.includes("role: controller")) site.delete(path);
      } else if (edit === "renumber") {
        // A fixed address (at times one another machine has: an error both compiles must report alike) or back to auto.
        const path = machines[random(machines.length)]!;
        const text = site.get(path)!.replace(/\n {4}ip: \S+/, "");
        site.set(path, random(3) === 0 ? text : text.replace("  - network: management\n", `  - network: management\n    ip: 10.101.0.${20 + random(40)}\n`));
      } else if (edit === "role") {
        const path = machines[random(machines.length)]!;
        const text = site.get(path)!;
        if (!text.includes("role: controller")) site.set(path, text.includes("role: compute") ? text.replace("role: compute", "role: network") : text.replace(/role: \w+/, "role: compute"));
      } else if (edit === "network") {
        const gateway = random(2) === 0 ? "10.101.0.1" : "10.101.0.254";
        const mtu = [1500, 9000][random(2)]!;
        site.set("networks/management.yaml", `apiVersion: oci/v1\nkind: Network\nname: management\ncidr: 10.101.0.0/24\npurpose: management\nvlan: 10\ngateway: ${gateway}\nmtu: ${mtu}\n`);
      } else if (edit === "cluster") {
        // What every machine of the cluster resolves with: its services, domain, datapath (tunnel bridges), BMC user, attached networks.
        const cluster = random(2) === 0 ? "c1" : "c2";
        const services = random(2) === 0 ? "[keystone, glance, nova, neutron]" : "[keystone, glance, nova, neutron, heat]";
        const extra = [
          random(3) === 0 ? `domain: ${cluster}.other.example.org\n` : "",
          random(3) === 0 ? "neutron:\n  ovsDatapath: netdev\n" : "",
          random(3) === 0 ? "ipmi:\n  user: admin\n" : "",
          random(3) === 0 ? `networks:\n  - network: storage\n${random(2) === 0 ? "    roles: [compute]\n" : ""}` : "",
        ].join("");
        site.set(`clusters/${cluster}/cluster.yaml`, `apiVersion: oci/v1\nkind: Cluster\nname: ${cluster}\nvip:\n  address: auto\nservices: ${services}\n${extra}`);
      } else if (edit === "site") {
        // What every machine's ENC and boot files read: the Puppet environment, the site's domain and provisioning port.
        const environment = random(2) === 0 ? "" : "  environment: staging\n";
        const domain = random(2) === 0 ? "eq.example.org" : "eq.example.net";
        const port = random(2) === 0 ? "" : "  httpPort: 8080\n";
        site.set("site.yaml", SITE.replace("eq.example.org\n", `${domain}\n`).replace("  address: 10.100.0.2\n", `  address: 10.100.0.2\n${port}`).replace("  server: puppet.eq.example.org\n", `  server: puppet.eq.example.org\n${environment}`));
      }
      const previousRender = previousOf(previous);
      const common = { ca, ...(previousRender ? { previous: previousRender } : {}) };
      const clean = await compile({ tree: new MemoryTree(site), ports: seededPorts(step), ...common });
      const tree = new BlobTree(site);
      const cached = await compile({ tree, ports: seededPorts(step), cache, ...common });
      assert.deepEqual(cached.diagnostics, clean.diagnostics, `step ${step} (${edit}): diagnostics`);
      assert.equal(firstDifference(cached, clean), undefined, `step ${step} (${edit}): render`);
      const statuses = (r: CompileResult) => (r.credentials?.certificates ?? []).map((c) => `${c.request.name} ${c.status}`);
      assert.deepEqual(statuses(cached), statuses(clean), `step ${step} (${edit}): certificates kept and issued`);
      if (step > 0 && edit !== "none") assert.ok(tree.reads.length <= 2, `step ${step} (${edit}): read ${tree.reads.length} files: ${tree.reads.join(", ")}`);
      if (!clean.files) errorsSeen++;
      else previous = clean;
    }
    // The sequence did what it is for: every kind of edit, and some steps that did not compile.
    for (const kind of KINDS) assert.ok((counts[kind] ?? 0) >= 15, `${kind}: ${JSON.stringify(counts)}`);
    assert.ok(errorsSeen > 0 && errorsSeen < 150, `steps with errors: ${errorsSeen}`);
    // And the cache was used, at every level, and missed too (what changed was made anew).
    for (const [level, stats] of Object.entries({ files: cache.files.stats, machines: cache.resolved.machines.stats, boot: cache.resolved.bootHosts.stats, setupOrder: cache.emitted.setupOrder.stats, reservations: cache.emitted.reservations.stats, ipam: cache.emitted.ipamLines.stats, certificates: cache.credentials.reuse.stats, hiera: cache.emitted.hiera.nodes.stats, clusterHiera: cache.emitted.hiera.shared.stats, enc: cache.emitted.enc.stats, ipxe: cache.emitted.ipxe.stats, grub: cache.emitted.grub.stats, pxelinux: cache.emitted.pxelinux.stats })) {
      assert.ok(stats.hits > stats.misses * 2 && stats.misses > 0, `${level}: ${JSON.stringify(stats)}`);
    }
  });

  it("a certificate the cache keeps is renewed when a clean compile renews it, not a day later or sooner", async () => {
    const site = startingSite();
    const { ca } = await freshKeystore();
    const day = 24 * 3600 * 1000;
    const at = (days: number): CompilePorts => ({ ...seededPorts(days), now: () => new Date(Date.UTC(2026, 0, 1) + days * day) });
    const cache = new CompileCache();
    const first = await compile({ tree: new BlobTree(site), ca, ports: at(0), cache });
    assert.ok(first.credentials!.certificates.length > 0 && first.credentials!.certificates.every((c) => c.status === "issued"));
    // Issued for 397 days, renewed within 30 of the end: kept on day 366, renewed on day 368. The
    // cache judges the first of these from what it remembered at issue, the next from its own verdict.
    for (const days of [100, 366, 368]) {
      const previous = previousOf(first)!;
      const clean = await compile({ tree: new MemoryTree(site), ca, ports: at(days), previous });
      const cached = await compile({ tree: new BlobTree(site), ca, ports: at(days), previous, cache });
      const statuses = (r: CompileResult) => r.credentials!.certificates.map((c) => `${c.request.name} ${c.status}`);
      assert.deepEqual(statuses(cached), statuses(clean), `day ${days}`);
      assert.ok(clean.credentials!.certificates.every((c) => c.status === (days < 367 ? "reused" : "issued")), `day ${days}: ${statuses(clean).join(", ")}`);
    }
  });

  it("a cached file still reports its own errors, at every compile", async () => {
    const site = startingSite();
    site.set("clusters/c1/machines/bad.yaml", "apiVersion: oci/v1\nkind: Machine\nhostname: bad\nrole: [\n");
    site.set("clusters/c1/machines/c1-m2.yaml", site.get("clusters/c1/machines/c1-m2.yaml")!.replace("role: compute", "role: computer"));
    const cache = new CompileCache();
    const first = await compile({ tree: new BlobTree(site), cache });
    const second = await compile({ tree: new BlobTree(site), cache });
    assert.ok(first.diagnostics.some((d) => d.file === "clusters/c1/machines/bad.yaml" && d.severity === "error"));
    assert.ok(first.diagnostics.some((d) => d.file === "clusters/c1/machines/c1-m2.yaml" && d.severity === "error"));
    assert.deepEqual(second.diagnostics, first.diagnostics);
    assert.equal(second.files, undefined);
  });
});
