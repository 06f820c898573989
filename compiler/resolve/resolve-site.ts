import type { DiagnosticBag } from "../diagnostics/diagnostic.js";
import { normalizeMac } from "../net/mac.js";
import { formatIpv4, netmaskOf } from "../net/ipv4.js";
import { clusterDomain, vipNetworkOf, type SiteIndex } from "../validate/site-index.js";
import type { LocatedMachine, MachineDoc, SiteDoc } from "../validate/site-model.js";
import type { KeyedMemo } from "../memo/keyed-memo.js";
import { layOutLinks } from "../validate/interface-links.js";
import { planBoot, type BootHostIR } from "./boot-plan.js";
import { hostNetwork } from "./host-network.js";
import { allocateAddresses, type AddressRequest } from "./ipam.js";
import type { ClusterIR, IpamState, MachineIR, NetworkIR, SiteIR, SiteSettings } from "./site-ir.js";
import { chooseBackends, clusterTopology, setupWaves } from "./topology.js";

/** What resolution keeps between compiles (CompileCache): each machine by its document, each boot entry by its machine. */
export interface ResolveMemo {
  readonly machines: KeyedMemo<MachineDoc, MachineIR>;
  readonly bootHosts: KeyedMemo<MachineIR, BootHostIR | undefined>;
}

/**
 * Decides everything the emitters need from a site that validated without errors: addresses,
 * topology, backends, setup waves. Returns undefined when IPAM could not satisfy the site.
 */
export function resolveSite(index: SiteIndex, previousIpam: IpamState | undefined, diagnostics: DiagnosticBag, memo?: ResolveMemo): SiteIR | undefined {
  const siteDoc = index.model.site!.doc;
  const { addresses, state } = allocateAddresses(index.networks, index.infrastructure, addressRequests(index), previousIpam, diagnostics);
  if (diagnostics.hasErrors) return undefined;

  const site = siteSettings(siteDoc);
  const networks = [...index.networks.values()].map((n): NetworkIR => {
    const d = n.located.doc;
    return {
      name: d.name, cidr: `${formatIpv4(n.net.base)}/${n.net.prefix}`, address: formatIpv4(n.net.base), prefix: n.net.prefix,
      netmask: netmaskOf(n.net.prefix), purpose: d.purpose, mtu: d.mtu ?? 1500,
      ...(d.vlan === undefined ? {} : { vlan: d.vlan }),
      ...(d.gateway === undefined ? {} : { gateway: d.gateway }),
      ...(d.relay === undefined ? {} : { relay: d.relay }),
      ...(d.discoveryPool === undefined ? {} : { discoveryPool: { start: d.discoveryPool.start, end: d.discoveryPool.end } }),
      reserved: (d.reserved ?? []).map((r) => ({ start: r.start, end: r.end })),
    };
  }).sort(byName);

  const networkByName = new Map(networks.map((n) => [n.name, n]));
  const clusters: ClusterIR[] = [];
  const machines: MachineIR[] = [];
  for (const [name, { doc }] of [...index.clusters].sort(([a], [b]) => compare(a, b))) {
    const members = index.machinesByCluster.get(name) ?? [];
    const topology = clusterTopology(members);
    const backends = chooseBackends(doc, topology);
    const waves = setupWaves(members, topology);
    const domain = clusterDomain(doc, name, siteDoc.domain);
    const vipNetwork = vipNetworkOf(doc, index) as { name: string };
    clusters.push({
      name, domain,
      vip: {
        address: addresses.get(`vip/${name}`)!, network: vipNetwork.name, mode: doc.vip.mode ?? "l2",
        ...(doc.vip.bgp ? { bgp: { asn: doc.vip.bgp.asn, peers: doc.vip.bgp.peers.map((p) => ({ ...p })) } } : {}),
      },
      publicEndpoint: doc.publicEndpoint ?? `api.${domain}`,
      publicCertificate: doc.tls?.publicCertificate ?? "site-ca",
      services: [...doc.services].sort(),
      backends,
      nova: { virtType: doc.nova?.virtType ?? "kvm" },
      neutron: { ovsDatapath: doc.neutron?.ovsDatapath ?? "system" },
      swift: {
        partPower: doc.swift?.partPower ?? 10,
        replicas: doc.swift?.replicas ?? 3,
        zones: swiftZones(doc.swift?.regions, members),
      },
      topology,
      waves,
    });
    const waveOf = new Map(waves.flatMap((w) => w.machines.map((hostname) => [hostname, w.number] as const)));
    // The nodes whose OVS agent tunnels, as the module places it: computes and the agent hosts (network nodes, else controllers).
    const userspaceTunnels = doc.services.includes("neutron") && (doc.neutron?.ovsDatapath ?? "system") === "netdev";
    const context: MachineContext = {
      domain, novaDefault: backends.nova, bmcUser: doc.ipmi?.user ?? "root", site, networks: networkByName,
      tunnelRoles: userspaceTunnels ? ["compute", topology.networkNodes.length > 0 ? "network" : "controller"] : [],
    };
    // Everything a machine's resolution reads besides its own document, its wave and its addresses.
    const contextKey = JSON.stringify([name, domain, context.novaDefault, context.bmcUser, context.tunnelRoles, site, networks]);
    for (const machine of members) {
      const wave = waveOf.get(machine.doc.hostname)!;
      const placed = addressesOf(machine, addresses);
      const make = () => resolveMachine(machine, context, wave, placed);
      // A frozen document is one a file cache shares between compiles: same document, same inputs, same machine.
      machines.push(memo && Object.isFrozen(machine.doc) ? memo.machines.get(machine.doc, [contextKey, wave, ...placed], make) : make());
    }
  }
  machines.sort((a, b) => compare(a.fqdn, b.fqdn));
  return deepFreeze({ site, networks, clusters, machines, ipam: state, boot: planBoot(site, networks, machines, memo?.bootHosts) });
}

function siteSettings(doc: SiteDoc): SiteSettings {
  const httpPort = doc.provisioning.httpPort ?? 80;
  return {
    name: doc.name,
    domain: doc.domain,
    debianRelease: doc.debian?.release ?? "bookworm",
    debianMirror: doc.debian?.mirror ?? "http://deb.debian.org/debian",
    openstackRelease: doc.openstack?.release ?? "zed",
    ntpServers: doc.ntp ?? [],
    dnsServers: doc.dns?.servers ?? [],
    dnsSearch: doc.dns?.search ?? [],
    provisioningAddress: doc.provisioning.address,
    httpPort,
    ...(doc.provisioning.serialConsole ? { serialConsole: doc.provisioning.serialConsole } : {}),
    provisioningUrl: `http://${doc.provisioning.address}${httpPort === 80 ? "" : `:${httpPort}`}`,
    puppetServer: doc.puppet.server,
    puppetEnvironment: doc.puppet.environment ?? "production",
    renderedBranch: doc.git?.renderedBranch ?? "oci/rendered",
    ...(doc.secrets?.eyamlPublicKey === undefined ? {} : { eyamlPublicKey: doc.secrets.eyamlPublicKey }),
    renewBeforeDays: doc.pki?.renewBeforeDays ?? 30,
    validityDays: doc.pki?.validityDays ?? 397,
    statusPage: doc.statusPage ?? {},
  };
}

/** Every address the site needs, literal or `auto`, keyed as state/ipam.json keys them. */
function addressRequests(index: SiteIndex): AddressRequest[] {
  const requests: AddressRequest[] = [];
  for (const { doc, source } of index.model.clusters) {
    const choice = vipNetworkOf(doc, index) as { name: string };
    requests.push({
      key: `vip/${doc.name}`, network: choice.name, at: () => source.valueAt(["vip", "address"]),
      ...(doc.vip.address === "auto" ? {} : { literal: doc.vip.address }),
    });
  }
  for (const machine of index.model.machines) for (const request of machineRequests(machine)) requests.push(request);
  return requests;
}

// A frozen document is one the file cache shares between compiles: its requests stay the same objects (and keys).
const requestsByDoc = new WeakMap<MachineDoc, { readonly source: unknown; readonly requests: readonly AddressRequest[] }>();

/** A machine's address requests: one per interface, then its BMC's (the order addressesOf reads them in). */
function machineRequests({ doc, source }: LocatedMachine): readonly AddressRequest[] {
  const kept = requestsByDoc.get(doc);
  if (kept?.source === source) return kept.requests;
  const requests: AddressRequest[] = doc.interfaces.map((iface, i) => ({
    key: `machine/${doc.hostname}/${iface.network}`, network: iface.network, at: () => source.valueAt(["interfaces", i]),
    ...(iface.ip === undefined || iface.ip === "auto" ? {} : { literal: iface.ip }),
  }));
  if (doc.ipmi) {
    requests.push({
      key: `ipmi/${doc.hostname}`, network: doc.ipmi.network, at: () => source.valueAt(["ipmi"]),
      ...(doc.ipmi.ip === undefined || doc.ipmi.ip === "auto" ? {} : { literal: doc.ipmi.ip }),
    });
  }
  if (Object.isFrozen(doc)) requestsByDoc.set(doc, { source, requests });
  return requests;
}

/**
 * Open vSwitch's userspace datapath sends a VXLAN packet out of the bridge its route points at: the
 * tunnel address must be on an OVS bridge's own port, with the vm network's device a port of that
 * bridge (kernel routes to a plain NIC leave tunnels dead: found by npm run test:cloud, the guest's
 * DHCP never reached the controller). The Puppet module makes the bridge; the render puts the
 * address on it.
 */
export const TUNNEL_BRIDGE = "br-vm";

interface MachineContext {
  readonly domain: string;
  readonly novaDefault: "local" | "ceph";
  readonly bmcUser: string;
  /** The roles whose OVS agent tunnels on the userspace datapath: their tunnel address goes on TUNNEL_BRIDGE. */
  readonly tunnelRoles: readonly string[];
  readonly site: SiteSettings;
  readonly networks: ReadonlyMap<string, NetworkIR>;
}

/** A machine's addresses in the order resolveMachine takes them: one per interface, then the BMC's. */
function addressesOf(machine: LocatedMachine, addresses: ReadonlyMap<string, string>): string[] {
  return machineRequests(machine).map((request) => addresses.get(request.key)!);
}

function resolveMachine(machine: LocatedMachine, context: MachineContext, wave: number, addresses: readonly string[]): MachineIR {
  const { doc } = machine;
  const { networks, site } = context;
  const layout = layOutLinks(doc, (name) => networks.get(name)!.vlan);
  const placed = doc.interfaces.map((iface, i) => ({ network: networks.get(iface.network)!, address: addresses[i]! }));
  const interfaces = doc.interfaces.map((iface, i) => {
    const { network, address } = placed[i]!;
    const laid = layout.interfaces[i];
    const device = laid?.device ?? iface.device;
    return {
      network: iface.network, address, prefix: network.prefix, allocated: iface.ip === undefined || iface.ip === "auto", mtu: network.mtu,
      ...(device === undefined ? {} : { device }),
      ...(laid ? { link: laid.link } : {}),
      ...(network.vlan === undefined ? {} : { vlan: network.vlan }),
      ...(iface.mac === undefined ? {} : { mac: normalizeMac(iface.mac) }),
    };
  });
  const management = interfaces.find((i) => networks.get(i.network)!.purpose === "management")!;
  const network = hostNetwork(doc, layout, placed, site, context.tunnelRoles.includes(doc.role) ? TUNNEL_BRIDGE : undefined);
  const options = doc.options ?? {};
  return {
    hostname: doc.hostname,
    fqdn: `${doc.hostname}.${context.domain}`,
    cluster: machine.cluster,
    role: doc.role,
    ...(doc.serial === undefined ? {} : { serial: doc.serial }),
    bootMacs: (doc.bootMacs ?? []).map(normalizeMac),
    interfaces,
    managementAddress: management.address,
    ...(doc.ipmi ? { ipmi: { network: doc.ipmi.network, address: addresses[doc.interfaces.length]!, user: doc.ipmi.user ?? context.bmcUser } } : {}),
    ...(doc.location ? { location: { ...doc.location } } : {}),
    install: doc.install ?? false,
    installGeneration: doc.installGeneration ?? 1,
    ...(network ? { network } : {}),
    ...(doc.systemDisks ? { systemDisks: doc.systemDisks } : {}),
    setupWave: wave,
    ...(doc.role === "compute" ? { compute: { storage: options.compute?.storage ?? context.novaDefault } } : {}),
    ...(doc.role === "swiftstore" && options.swift
      ? { swift: { region: options.swift.region ?? 1, zone: options.swift.zone, weight: options.swift.weight ?? 100, disks: options.swift.disks ?? [] } }
      : (doc.role === "swiftproxy" || doc.role === "controller") && options.swift
        ? { swift: { region: options.swift.region ?? 1, zone: options.swift.zone } }
        : {}),
    ...(doc.role === "cephosd" ? { ceph: { disks: options.ceph?.disks ?? [] } } : {}),
    ...(doc.role === "volume" ? { volume: { disks: options.volume?.disks ?? [] } } : {}),
  };
}

/** Declared zones, or, when the cluster declares none, the zones its swiftstores use (all in region 1 unless said). */
function swiftZones(regions: NonNullable<import("../validate/site-model.js").ClusterDoc["swift"]>["regions"], members: readonly LocatedMachine[]) {
  if (regions) {
    return regions.flatMap((r) => r.zones.map((z) => ({ region: r.id, zone: z.id, ...(z.name === undefined ? {} : { name: z.name }) })))
      .sort((a, b) => a.region - b.region || a.zone - b.zone);
  }
  const used = new Map<string, { region: number; zone: number }>();
  for (const m of members) {
    const swift = m.doc.role === "swiftstore" ? m.doc.options?.swift : undefined;
    if (swift) used.set(`${swift.region ?? 1}/${swift.zone}`, { region: swift.region ?? 1, zone: swift.zone });
  }
  return [...used.values()].sort((a, b) => a.region - b.region || a.zone - b.zone);
}

function byName(a: { name: string }, b: { name: string }): number {
  return compare(a.name, b.name);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
