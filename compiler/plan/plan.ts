import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { CompileResult } from "../index.js";
import type { MachineIR, SiteIR } from "../resolve/site-ir.js";
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
  /** Certificates HEAD needs that BASE's render did not hold: issued by this compile, or left for the provisioning host. */
  readonly certificates: readonly { readonly name: string; readonly issuer: "oci (keystore given)" | "provisioning host"; readonly reason?: string }[];
  /** Secret names HEAD creates (or that wait for an eyaml public key); never values. */
  readonly secrets: { readonly created: readonly string[]; readonly pending: readonly string[] };
  readonly files: readonly FileDiff[];
}

/** Compares the renders of two revisions: what changes for machines, addresses, DHCP, waves, and every output file. */
export function planChanges(base: PlanSide, head: PlanSide): Plan {
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
    certificates: newCertificates(base.result, head.result),
    secrets: {
      created: head.result.credentials?.createdSecrets ?? [],
      pending: without(head.result.credentials?.pendingSecrets ?? [], base.result.credentials?.pendingSecrets ?? []),
    },
    files: head.result.files ? diffFiles(base.result.files ?? [], head.result.files) : [],
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
    if (!o) continue;
    const changes: string[] = [];
    const fact = (label: string, a: unknown, b: unknown) => {
      const [x, y] = [JSON.stringify(a), JSON.stringify(b)];
      if (x !== y) changes.push(`${label}: ${x ?? "none"} → ${y ?? "none"}`);
    };
    fact("cluster", o.cluster, m.cluster);
    fact("role", o.role, m.role);
    fact("install", o.install, m.install);
    fact("serial", o.serial, m.serial);
    fact("boot MACs", o.bootMacs, m.bootMacs);
    fact("interfaces", o.interfaces.map((i) => `${i.network}=${i.address}`), m.interfaces.map((i) => `${i.network}=${i.address}`));
    fact("IPMI", o.ipmi?.address, m.ipmi?.address);
    fact("setup wave", o.setupWave, m.setupWave);
    fact("options", [o.compute, o.swift, o.ceph, o.volume], [m.compute, m.swift, m.ceph, m.volume]);
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

