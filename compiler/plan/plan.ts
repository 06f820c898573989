import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { CompileResult } from "../index.js";
import type { ClusterIR, MachineIR, NetworkIR, SiteIR } from "../resolve/site-ir.js";
import { diffFiles, type FileDiff } from "./file-diff.js";

export interface PlanSide {
  /** What the user typed (`origin/main`). */
  readonly revision: string;
  readonly commit: string;
  readonly result: CompileResult;
}

export interface MachineSummary {
  readonly hostname: string;
  readonly cluster: string;
  readonly role: string;
  /** Management address. */
  readonly address: string;
}

export interface MachineChange extends MachineSummary {
  /** One line per changed fact, e.g. `role: compute → controller`. */
  readonly changes: readonly string[];
}

export interface AddressChange {
  readonly key: string;
  readonly network: string;
  readonly from?: string;
  readonly to?: string;
}

export interface ReservationChange {
  readonly mac: string;
  readonly hostname: string;
  readonly from?: string;
  readonly to?: string;
}

export interface WaveChange {
  readonly cluster: string;
  readonly wave: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** A cluster or network that was added, removed, or changed (one sentence per changed fact). */
export interface ObjectChange {
  readonly name: string;
  readonly status: "added" | "removed" | "changed";
  readonly changes: readonly string[];
}

export interface Plan {
  readonly base: { readonly revision: string; readonly commit: string; readonly valid: boolean };
  readonly head: { readonly revision: string; readonly commit: string; readonly valid: boolean };
  /** HEAD's diagnostics: what CI shows on the pull request. */
  readonly diagnostics: readonly Diagnostic[];
  readonly machines: { readonly added: readonly MachineSummary[]; readonly removed: readonly MachineSummary[]; readonly changed: readonly MachineChange[] };
  readonly addresses: readonly AddressChange[];
  readonly reservations: readonly ReservationChange[];
  /** Machines of HEAD that have no boot MAC yet: they get no DHCP reservation. */
  readonly withoutBootMac: readonly string[];
  readonly waves: readonly WaveChange[];
  readonly clusters: readonly ObjectChange[];
  readonly networks: readonly ObjectChange[];
  /** Certificates HEAD needs that BASE's render did not hold: issued by this compile, or left for the provisioning host. */
  readonly certificates: readonly { readonly name: string; readonly issuer: "oci (keystore given)" | "provisioning host"; readonly reason?: string }[];
  /** Secret names HEAD creates (or that wait for an eyaml public key); never values. */
  readonly secrets: { readonly created: readonly string[]; readonly pending: readonly string[]; readonly removed: readonly string[] };
  readonly files: readonly FileDiff[];
  /** The rendered commit BASE was compiled on (its IPAM, certificates, secrets), and the ref it came from; null: none, every address is a guess. */
  readonly renderedState: { readonly ref: string; readonly commit: string } | null;
}

/** Compares the renders of two revisions: what changes for machines, addresses, DHCP, waves, and every output file. */
export function planChanges(base: PlanSide, head: PlanSide, renderedState: Plan["renderedState"] = null): Plan {
  const before = base.result.ir;
  const after = head.result.ir;
  return {
    base: { revision: base.revision, commit: base.commit, valid: base.result.files !== undefined },
    head: { revision: head.revision, commit: head.commit, valid: head.result.files !== undefined },
    diagnostics: head.result.diagnostics,
    machines: compareMachines(before?.machines ?? [], after?.machines ?? []),
    addresses: compareAddresses(before, after),
    reservations: compareReservations(before, after),
    withoutBootMac: (after?.machines ?? []).filter((m) => m.bootMacs.length === 0).map((m) => m.hostname),
    waves: compareWaves(before, after),
    clusters: compareObjects(before?.clusters ?? [], after?.clusters ?? [], clusterFacts, serviceChanges),
    networks: compareObjects(before?.networks ?? [], after?.networks ?? [], networkFacts),
    certificates: newCertificates(base.result, head.result),
    secrets: {
      created: head.result.credentials?.createdSecrets ?? [],
      pending: without(head.result.credentials?.pendingSecrets ?? [], base.result.credentials?.pendingSecrets ?? []),
      removed: without((base.result.credentials?.secrets ?? []).map((x) => x.name), (head.result.credentials?.secrets ?? []).map((x) => x.name)).sort(),
    },
    files: head.result.files ? diffFiles(base.result.files ?? [], head.result.files) : [],
    renderedState,
  };
}

/** What HEAD issues, or leaves to the host, that BASE did not already leave pending. */
function newCertificates(base: CompileResult, head: CompileResult): Plan["certificates"] {
  const pendingInBase = new Set((base.credentials?.pendingCertificates ?? []).map((c) => c.request.name));
  return [
    ...(head.credentials?.certificates ?? []).filter((c) => c.status === "issued").map((c) => ({ name: c.request.name, issuer: "oci (keystore given)" as const })),
    ...(head.credentials?.pendingCertificates ?? []).filter((c) => !pendingInBase.has(c.request.name)).map((c) => ({ name: c.request.name, issuer: "provisioning host" as const, reason: c.reason })),
  ].sort((a, b) => (a.name < b.name ? -1 : 1));
}

function without(list: readonly string[], known: readonly string[]): string[] {
  const drop = new Set(known);
  return list.filter((x) => !drop.has(x));
}

function summary(m: MachineIR): MachineSummary {
  return { hostname: m.hostname, cluster: m.cluster, role: m.role, address: m.managementAddress };
}

function compareMachines(before: readonly MachineIR[], after: readonly MachineIR[]): Plan["machines"] {
  const old = new Map(before.map((m) => [m.hostname, m]));
  const now = new Map(after.map((m) => [m.hostname, m]));
  const changed: MachineChange[] = [];
  for (const [name, m] of now) {
    const o = old.get(name);
    // A machine that resolved the same is the same object (the compile cache): nothing to compare.
    if (!o || o === m) continue;
    const changes: string[] = [];
    const fact = (label: string, a: unknown, b: unknown) => {
      const [x, y] = [JSON.stringify(a), JSON.stringify(b)];
      if (x !== y) changes.push(`${label}: ${x ?? "none"} → ${y ?? "none"}`);
    };
    fact("cluster", o.cluster, m.cluster);
    if (o.role !== m.role) {
      changes.push(`role ${o.role} → ${m.role}: Puppet applies the ${m.role} role on the installed system${m.installGeneration === o.installGeneration ? "; raise installGeneration to reinstall it clean" : ""}`);
    }
    if (m.installGeneration !== o.installGeneration) changes.push(`installGeneration ${o.installGeneration} → ${m.installGeneration}: it is reinstalled (its disk is wiped) at its next PXE boot`);
    fact("install", o.install, m.install);
    fact("serial", o.serial, m.serial);
    fact("boot MACs", o.bootMacs, m.bootMacs);
    fact("interfaces", o.interfaces.map((i) => `${i.network}=${i.address}`), m.interfaces.map((i) => `${i.network}=${i.address}`));
    fact("IPMI", o.ipmi?.address, m.ipmi?.address);
    fact("BMC user", o.ipmi?.user, m.ipmi?.user);
    fact("setup wave", o.setupWave, m.setupWave);
    for (const [label, a, b] of [["compute", o.compute, m.compute], ["swift", o.swift, m.swift], ["ceph", o.ceph, m.ceph], ["volume", o.volume, m.volume]] as const) {
      changes.push(...settingChanges(`${label} `, a, b));
    }
    if (changes.length > 0) changed.push({ ...summary(m), changes });
  }
  return {
    added: [...now.values()].filter((m) => !old.has(m.hostname)).map(summary),
    removed: [...old.values()].filter((m) => !now.has(m.hostname)).map(summary),
    changed,
  };
}

/** Keys whose entry was added, removed or changed between two tables, in key order. */
function changedKeys<T>(old: ReadonlyMap<string, T>, now: ReadonlyMap<string, T>, same: (a: T, b: T) => boolean): [string, T | undefined, T | undefined][] {
  return [...new Set([...old.keys(), ...now.keys()])]
    .sort()
    .map((key): [string, T | undefined, T | undefined] => [key, old.get(key), now.get(key)])
    .filter(([, o, n]) => !(o && n && same(o, n)));
}

function compareAddresses(before: SiteIR | undefined, after: SiteIR | undefined): AddressChange[] {
  const table = (ir: SiteIR | undefined) => new Map((ir?.ipam.allocations ?? []).map((a) => [a.key, a]));
  return changedKeys(table(before), table(after), (o, n) => o.address === n.address && o.network === n.network).map(([key, o, n]) => ({
    key, network: (n ?? o)!.network, ...(o ? { from: o.address } : {}), ...(n ? { to: n.address } : {}),
  }));
}

function compareReservations(before: SiteIR | undefined, after: SiteIR | undefined): ReservationChange[] {
  const table = (ir: SiteIR | undefined) => new Map((ir?.boot.hosts ?? []).flatMap((h) => h.macs.map((mac) => [mac, { hostname: h.hostname, address: h.address }] as const)));
  return changedKeys(table(before), table(after), (o, n) => o.address === n.address && o.hostname === n.hostname).map(([mac, o, n]) => ({
    mac, hostname: (n ?? o)!.hostname, ...(o ? { from: o.address } : {}), ...(n ? { to: n.address } : {}),
  }));
}

function compareWaves(before: SiteIR | undefined, after: SiteIR | undefined): WaveChange[] {
  const table = (ir: SiteIR | undefined) => {
    const map = new Map<string, Set<string>>();
    for (const c of ir?.clusters ?? []) for (const w of c.waves) map.set(`${c.name}\t${w.number}. ${w.name}`, new Set(w.machines));
    return map;
  };
  const old = table(before);
  const now = table(after);
  const out: WaveChange[] = [];
  for (const key of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const [o, n] = [old.get(key) ?? new Set<string>(), now.get(key) ?? new Set<string>()];
    const added = [...n].filter((x) => !o.has(x)).sort();
    const removed = [...o].filter((x) => !n.has(x)).sort();
    if (added.length + removed.length === 0) continue;
    const [cluster, wave] = key.split("\t") as [string, string];
    out.push({ cluster, wave, added, removed });
  }
  return out;
}


/**
 * One sentence per leaf that differs between two plain values: `compute storage: ceph → local`,
 * `swift zone: 1 → 2`. Lists are compared whole; a value absent on one side reads "none".
 */
function settingChanges(prefix: string, a: unknown, b: unknown): string[] {
  const out: string[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
  const walk = (path: string, x: unknown, y: unknown) => {
    if (isObject(x) || isObject(y)) {
      const [ox, oy] = [isObject(x) ? x : {}, isObject(y) ? y : {}];
      for (const key of [...new Set([...Object.keys(ox), ...Object.keys(oy)])].sort()) walk(path === "" ? key : `${path} ${key}`, ox[key], oy[key]);
      return;
    }
    const show = (v: unknown) => (v === undefined ? "none" : Array.isArray(v) ? (v.length === 0 ? "none" : v.join(", ")) : String(v));
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push(`${prefix}${path}: ${show(x)} → ${show(y)}`.trim());
  };
  walk("", a, b);
  return out;
}

function clusterFacts(c: ClusterIR): Record<string, unknown> {
  return {
    VIP: `${c.vip.address} on ${c.vip.network} (${c.vip.mode})`,
    "BGP peers": c.vip.bgp?.peers.map((p) => `${p.address} AS${p.asn}`),
    "public endpoint": c.publicEndpoint,
    "public certificate": c.publicCertificate,
    backends: { cinder: c.backends.cinder, glance: c.backends.glance, nova: c.backends.nova },
    "nova virtType": c.nova.virtType,
    "neutron ovsDatapath": c.neutron.ovsDatapath,
    "swift partPower": c.swift.partPower,
    "swift replicas": c.swift.replicas,
    "swift zones": c.swift.zones.map((z) => `${z.region}/${z.zone}`),
  };
}

function networkFacts(n: NetworkIR): Record<string, unknown> {
  return {
    cidr: n.cidr, purpose: n.purpose, VLAN: n.vlan, MTU: n.mtu, gateway: n.gateway, relay: n.relay,
    "discovery pool": n.discoveryPool ? `${n.discoveryPool.start}-${n.discoveryPool.end}` : undefined,
    reserved: n.reserved.map((r) => `${r.start}-${r.end}`),
  };
}

/** A cluster's services added and removed, each with what it means for the running cluster. */
function serviceChanges(o: ClusterIR, n: ClusterIR): string[] {
  const [before, after] = [new Set(o.services), new Set(n.services)];
  return [
    ...n.services.filter((x) => !before.has(x)).map((x) => `service ${x} added`),
    ...o.services.filter((x) => !after.has(x)).map((x) => `service ${x} removed: Puppet stops managing it (what runs, its database and its data stay until removed by hand); its secrets leave hiera`),
  ];
}

/** Clusters or networks by name: added, removed, or one sentence per changed fact (and whatever `more` says). */
function compareObjects<T extends { readonly name: string }>(
  before: readonly T[], after: readonly T[], facts: (x: T) => Record<string, unknown>, more: (o: T, n: T) => string[] = () => [],
): ObjectChange[] {
  const old = new Map(before.map((x) => [x.name, x]));
  const now = new Map(after.map((x) => [x.name, x]));
  const out: ObjectChange[] = [];
  for (const name of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const [o, n] = [old.get(name), now.get(name)];
    if (!o) out.push({ name, status: "added", changes: [] });
    else if (!n) out.push({ name, status: "removed", changes: [] });
    else {
      const changes = [...settingChanges("", facts(o), facts(n)), ...more(o, n)];
      if (changes.length > 0) out.push({ name, status: "changed", changes });
    }
  }
  return out;
}
