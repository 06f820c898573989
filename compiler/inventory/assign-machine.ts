import { normalizeMac } from "../net/mac.js";
import type { DiscoveredHardwareDoc, HardwareProfileDoc, Role, SiteModel } from "../validate/site-model.js";
import { matchingProfile } from "./hardware-profile-match.js";

export interface AssignRequest {
  readonly cluster: string;
  /** Serials to assign; with allMatching, every discovered machine a profile matches instead. */
  readonly serials: readonly string[];
  readonly allMatching?: boolean;
  /** Overrides the matching profile's role. */
  readonly role?: Role;
  /** `{cluster}`, `{role}` and `{n}` (the lowest free number for that prefix); default `{cluster}-{role}-{n}`. */
  readonly hostnamePattern?: string;
}

export interface AssignedMachine {
  readonly serial: string;
  readonly path: string;
  readonly content: string;
  readonly hostname: string;
  readonly profile?: string;
}

export interface AssignResult {
  readonly assigned: readonly AssignedMachine[];
  /** Serials not assigned, and why. */
  readonly refused: readonly { readonly serial: string; readonly reason: string }[];
}

export const DEFAULT_HOSTNAME_PATTERN = "{cluster}-{role}-{n}";

/**
 * `oci assign`: turns discovered machines into Machine files for review. The serial and the boot
 * MAC come from the report (the first NIC with a link, else the first NIC), the role and system
 * disks from the first hardware profile that matches, the hostname from the pattern; the
 * interfaces are the cluster's PXE network on the boot NIC and its management network (which
 * the network's VLAN, if any, puts on the same NIC), addresses by IPAM.
 */
export function assignMachines(model: SiteModel, request: AssignRequest): AssignResult {
  const cluster = model.clusters.find((c) => c.doc.name === request.cluster);
  if (!cluster) return { assigned: [], refused: request.serials.map((serial) => ({ serial, reason: `no cluster ${request.cluster} in the site` })) };
  const profiles = model.profiles.map((p) => p.doc);
  // Valid machine files, and what can be told of the rejected ones: neither's hostname or serial is given again.
  const identities = [...model.machines.map((m) => ({ hostname: m.doc.hostname, serial: m.doc.serial })), ...model.machineIdentities];
  const taken = new Set(identities.map((m) => m.hostname).filter((h): h is string => h !== undefined));
  const assignedSerials = new Set(identities.map((m) => m.serial).filter((s): s is string => s !== undefined));
  const discovered = new Map(model.discovered.map((d) => [d.doc.serial, d.doc]));
  const pxe = model.networks.filter((n) => n.doc.purpose === "pxe").map((n) => n.doc.name).sort();
  const management = model.networks.filter((n) => n.doc.purpose === "management").map((n) => n.doc.name).sort();
  const serials = request.allMatching
    ? [...discovered.keys()].filter((s) => !assignedSerials.has(s) && matchingProfile(profiles, discovered.get(s)!) !== undefined).sort()
    : request.serials;
  const assigned: AssignedMachine[] = [];
  const refused: { serial: string; reason: string }[] = [];
  for (const serial of serials) {
    const hw = discovered.get(serial);
    if (!hw) { refused.push({ serial, reason: `no inventory/discovered/${serial}.yaml: it has not reported, or its report is not committed yet` }); continue; }
    if (assignedSerials.has(serial)) { refused.push({ serial, reason: "a machine file of the site already has this serial" }); continue; }
    const profile = matchingProfile(profiles, hw);
    const role = request.role ?? profile?.role;
    if (!role) { refused.push({ serial, reason: "no hardware profile matches it: give --role" }); continue; }
    if (pxe.length !== 1) { refused.push({ serial, reason: pxe.length === 0 ? "the site has no pxe network" : `the site has several pxe networks (${pxe.join(", ")}): write this machine's file by hand` }); continue; }
    const bootNic = hw.nics.find((n) => n.link) ?? hw.nics[0];
    if (!bootNic) { refused.push({ serial, reason: "it reported no NIC" }); continue; }
    const hostname = nextHostname(request.hostnamePattern ?? DEFAULT_HOSTNAME_PATTERN, request.cluster, role, taken);
    taken.add(hostname);
    assignedSerials.add(serial);
    assigned.push({
      serial, hostname, path: `clusters/${request.cluster}/machines/${hostname}.yaml`, ...(profile ? { profile: profile.name } : {}),
      content: machineText(hostname, role, hw, normalizeMac(bootNic.mac), pxe[0]!, management[0], profile),
    });
  }
  return { assigned, refused };
}

function nextHostname(pattern: string, cluster: string, role: string, taken: ReadonlySet<string>): string {
  const fill = (n: number) => pattern.replaceAll("{cluster}", cluster).replaceAll("{role}", role).replaceAll("{n}", String(n));
  if (!pattern.includes("{n}")) return fill(0);
  for (let n = 1; ; n++) if (!taken.has(fill(n))) return fill(n);
}

const quoted = (text: string) => JSON.stringify(text);

function machineText(hostname: string, role: Role, hw: DiscoveredHardwareDoc, bootMac: string, pxe: string, management: string | undefined, profile: HardwareProfileDoc | undefined): string {
  const disks = profile?.raid?.disks?.slice(0, profile.raid.level === 0 ? 1 : 2);
  const lines = [
    "apiVersion: oci/v1",
    "kind: Machine",
    `hostname: ${hostname}`,
    `role: ${role}${profile ? `  # hardware profile ${profile.name}` : ""}`,
    `serial: ${quoted(hw.serial)}`,
    `bootMacs: [${quoted(bootMac)}]`,
    "interfaces:",
    `  - network: ${pxe}`,
    `    mac: ${quoted(bootMac)}`,
    ...(management && management !== pxe ? [`  - network: ${management}`] : []),
    ...(disks && disks.length > 0 ? [`systemDisks: [${disks.join(", ")}]`] : []),
    "install: true",
  ];
  return `${lines.join("\n")}\n`;
}
