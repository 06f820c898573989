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
  /** `dc/rack`, when LLDP placed it. */
  readonly rack?: string;
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
    if (!hw) { refused.push({ serial, reason: `no inventory/discovered/${serial}.yaml: it has not reported yet, or this clone lacks the inventory branch the provisioning host commits reports to (git fetch brings origin/oci/inventory; --inventory REV reads another)` }); continue; }
    if (assignedSerials.has(serial)) { refused.push({ serial, reason: "a machine file of the site already has this serial" }); continue; }
    const profile = matchingProfile(profiles, hw);
    const role = request.role ?? profile?.role;
    if (!role) { refused.push({ serial, reason: "no hardware profile matches it: give --role" }); continue; }
    if (pxe.length !== 1) { refused.push({ serial, reason: pxe.length === 0 ? "the site has no pxe network" : `the site has several pxe networks (${pxe.join(", ")}): write this machine's file by hand` }); continue; }
    const bootNic = hw.nics.find((n) => n.link) ?? hw.nics[0];
    if (!bootNic) { refused.push({ serial, reason: "it reported no NIC" }); continue; }
    const placement = placeByLldp(model, hw);
    const hostname = nextHostname(request.hostnamePattern ?? DEFAULT_HOSTNAME_PATTERN, request.cluster, role, taken);
    taken.add(hostname);
    assignedSerials.add(serial);
    assigned.push({
      serial, hostname, path: `clusters/${request.cluster}/machines/${hostname}.yaml`, ...(profile ? { profile: profile.name } : {}),
      ...(placement ? { rack: `${placement.dc}/${placement.rack}` } : {}),
      content: machineText(hostname, role, hw, normalizeMac(bootNic.mac), pxe[0]!, management[0], profile, placement),
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

/** Where LLDP puts a machine: the rack of the switch its NICs see, and per NIC the networks that switch carries. */
interface LldpPlacement {
  readonly dc: string;
  readonly rack: string;
  /** The networks the Location attaches to every machine of the rack (its own and the datacenter's). */
  readonly attached: ReadonlySet<string>;
  /** NIC MAC → networks on it, in the order the switches list them. */
  readonly nics: ReadonlyMap<string, readonly { readonly network: string; readonly chassis: string; readonly port?: string }[]>;
}

/**
 * OCI's auto-racking: each NIC's LLDP neighbour (chassis name) looked up among the switches the
 * site's Locations list per rack. The machine stands in the rack of the first NIC (in report order)
 * that sees a known switch; NICs facing switches of other racks are left out (cabled elsewhere: the
 * operator decides).
 */
function placeByLldp(model: SiteModel, hw: DiscoveredHardwareDoc): LldpPlacement | undefined {
  const switches = new Map<string, { dc: string; rack: string; networks: readonly string[]; attached: ReadonlySet<string> }>();
  for (const { doc } of model.locations) {
    for (const rack of doc.racks ?? []) {
      const attached = new Set([...(doc.networks ?? []), ...rack.networks]);
      for (const sw of rack.switches ?? []) switches.set(sw.chassis, { dc: doc.name, rack: rack.name, networks: sw.networks ?? [], attached });
    }
  }
  const seen = hw.nics.map((nic) => ({ nic, sw: nic.lldp?.chassis === undefined ? undefined : switches.get(nic.lldp.chassis) })).filter((s) => s.sw !== undefined);
  const home = seen[0]?.sw;
  if (!home) return undefined;
  const nics = new Map<string, { network: string; chassis: string; port?: string }[]>();
  for (const { nic, sw } of seen) {
    if (sw!.dc !== home.dc || sw!.rack !== home.rack) continue;
    const mac = normalizeMac(nic.mac);
    nics.set(mac, [...(nics.get(mac) ?? []), ...sw!.networks.map((network) => ({ network, chassis: nic.lldp!.chassis!, ...(nic.lldp!.port ? { port: nic.lldp!.port } : {}) }))]);
  }
  return { dc: home.dc, rack: home.rack, attached: home.attached, nics };
}

function machineText(
  hostname: string, role: Role, hw: DiscoveredHardwareDoc, bootMac: string, pxe: string, management: string | undefined, profile: HardwareProfileDoc | undefined,
  placement: LldpPlacement | undefined,
): string {
  const disks = profile?.raid?.disks?.slice(0, profile.raid.level === 0 ? 1 : 2);
  // The PXE network stays on the boot NIC; every other network a switch carries goes on the NIC
  // facing it, once (two switches carrying one network, a bond's two legs say, give the first NIC it).
  const placedNetworks = new Set<string>();
  const placed = [...(placement?.nics ?? new Map<string, never[]>())].flatMap(([mac, list]) => list.map((p) => ({ mac, ...p })))
    .filter((p) => p.network !== pxe && !placedNetworks.has(p.network) && Boolean(placedNetworks.add(p.network)));
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
    ...placed.flatMap((p) => [`  - network: ${p.network}  # LLDP: ${p.chassis}${p.port ? ` port ${p.port}` : ""}`, `    mac: ${quoted(p.mac)}`]),
    // Unless a switch carries it or the Location attaches it, the management network goes where its VLAN puts it.
    ...(management && management !== pxe && !placedNetworks.has(management) && !placement?.attached.has(management) ? [`  - network: ${management}`] : []),
    ...(placement ? [`location: { dc: ${quoted(placement.dc)}, rack: ${quoted(placement.rack)} }  # LLDP`] : []),
    ...(disks && disks.length > 0 ? [`systemDisks: [${disks.join(", ")}]`] : []),
    "install: true",
  ];
  return `${lines.join("\n")}\n`;
}
