// The Site IR: everything emitters need, decided. Emitters format it; they never decide.

import type { NetworkPurpose, Role, Service, StatusPageSettings } from "../validate/site-model.js";
import type { BootPlanIR } from "./boot-plan.js";

export interface SiteIR {
  readonly site: SiteSettings;
  /** Sorted by name. */
  readonly networks: readonly NetworkIR[];
  /** Sorted by name. */
  readonly clusters: readonly ClusterIR[];
  /** Sorted by FQDN. */
  readonly machines: readonly MachineIR[];
  readonly ipam: IpamState;
  readonly boot: BootPlanIR;
}

export interface SiteSettings {
  readonly name: string;
  readonly domain: string;
  readonly debianRelease: string;
  readonly debianMirror: string;
  readonly openstackRelease: string;
  readonly ntpServers: readonly string[];
  readonly dnsServers: readonly string[];
  readonly dnsSearch: readonly string[];
  readonly provisioningAddress: string;
  readonly httpPort: number;
  /** `ttyS1,115200`: the live image's serial console, when the site names one. */
  readonly serialConsole?: string;
  /** `http://address[:port]`, the root of every boot URL. */
  readonly provisioningUrl: string;
  readonly puppetServer: string;
  readonly puppetEnvironment: string;
  readonly renderedBranch: string;
  readonly eyamlPublicKey?: string;
  readonly renewBeforeDays: number;
  readonly validityDays: number;
  readonly statusPage: StatusPageSettings;
}

export interface AddressRangeIR { readonly start: string; readonly end: string }

export interface NetworkIR {
  readonly name: string;
  readonly cidr: string;
  readonly address: string;
  readonly prefix: number;
  readonly netmask: string;
  readonly purpose: NetworkPurpose;
  readonly mtu: number;
  readonly vlan?: number;
  readonly gateway?: string;
  readonly relay?: string;
  readonly discoveryPool?: AddressRangeIR;
  readonly reserved: readonly AddressRangeIR[];
}

export type CinderBackend = "lvm" | "ceph" | "none";
export type GlanceBackend = "ceph" | "swift" | "file";
export type InstanceStorage = "local" | "ceph";

export interface SetupWave {
  /** 1-based position in the setup order. */
  readonly number: number;
  readonly name: "infrastructure" | "cephmon" | "cephosd" | "controller" | "other";
  /** Hostnames, sorted. */
  readonly machines: readonly string[];
}

export interface ClusterTopology {
  readonly controllers: readonly string[];
  /** cephmon machines, or the controllers when the cluster has none (as OCI does). */
  readonly cephMons: readonly string[];
  readonly cephOsds: readonly string[];
  /** swiftproxy machines, or the controllers when the cluster has none. */
  readonly swiftProxies: readonly string[];
  readonly swiftStores: readonly string[];
  readonly computes: readonly string[];
  readonly volumes: readonly string[];
  readonly networkNodes: readonly string[];
  /** Where RabbitMQ runs: messaging machines, else the controllers. */
  readonly messaging: readonly string[];
  /** Where Galera runs: sql machines, else the controllers. */
  readonly sql: readonly string[];
}

export interface SwiftZoneIR { readonly region: number; readonly zone: number; readonly name?: string }

export interface ClusterIR {
  readonly name: string;
  readonly domain: string;
  readonly vip: { readonly address: string; readonly network: string; readonly mode: "l2" | "bgp"; readonly bgp?: { readonly asn: number; readonly peers: readonly { readonly address: string; readonly asn: number }[] } };
  readonly publicEndpoint: string;
  readonly publicCertificate: "site-ca" | "byo";
  readonly services: readonly Service[];
  readonly backends: { readonly cinder: CinderBackend; readonly glance: GlanceBackend; readonly nova: InstanceStorage };
  readonly nova: { readonly virtType: "kvm" | "qemu" };
  readonly neutron: { readonly ovsDatapath: "system" | "netdev" };
  readonly swift: { readonly partPower: number; readonly replicas: number; readonly zones: readonly SwiftZoneIR[] };
  readonly topology: ClusterTopology;
  readonly waves: readonly SetupWave[];
}

export interface InterfaceIR {
  readonly network: string;
  readonly address: string;
  readonly prefix: number;
  /** True when IPAM chose the address (`ip: auto`). */
  readonly allocated: boolean;
  /** The Linux device holding the address (laid out by validate/interface-links), or the site's name for it when the machine's links are not all known yet. */
  readonly device?: string;
  /** The NIC or bond under it. */
  readonly link?: string;
  readonly vlan?: number;
  readonly mtu: number;
  /** Canonical lowercase colon form. */
  readonly mac?: string;
}

/** One Linux network device of a machine, as systemd-networkd configures it. */
export interface HostDeviceIR {
  readonly name: string;
  /** `ovs-bridge`: an Open vSwitch bridge's own port, made by Puppet, which networkd addresses once it appears. */
  readonly kind: "nic" | "bond" | "vlan" | "ovs-bridge";
  /** An OVS bridge's port: the device it carries. */
  readonly port?: string;
  /** A NIC known by MAC: a .link file gives it `name`. */
  readonly mac?: string;
  readonly bond?: { readonly mode: "802.3ad" | "active-backup"; readonly members: readonly string[] };
  /** A NIC enslaved to this bond. */
  readonly memberOf?: string;
  /** A VLAN: its link and id. */
  readonly parent?: string;
  readonly vlan?: number;
  readonly mtu: number;
  /** `address/prefix`, sorted. */
  readonly addresses: readonly string[];
  /** VLAN devices on this link, sorted. */
  readonly vlans: readonly string[];
}

/** A machine's whole network configuration: what the installer writes and Puppet keeps. */
export interface HostNetworkIR {
  /** Sorted by name. */
  readonly devices: readonly HostDeviceIR[];
  readonly defaultRoute?: { readonly network: string; readonly device: string; readonly gateway: string };
  /** The device that gets the site's resolvers, search domains and NTP servers: the default route's, else the management one. */
  readonly resolverDevice: string;
  readonly dnsServers: readonly string[];
  readonly dnsSearch: readonly string[];
  readonly ntpServers: readonly string[];
}

export interface MachineIR {
  readonly hostname: string;
  readonly fqdn: string;
  readonly cluster: string;
  readonly role: Role;
  readonly serial?: string;
  /** Canonical lowercase colon form, in the order given. */
  readonly bootMacs: readonly string[];
  readonly interfaces: readonly InterfaceIR[];
  /** The address on the management network: what puppet, the APIs and the databases use. */
  readonly managementAddress: string;
  /** The BMC: its network and address (IPAM), and its admin user (id 2). */
  readonly ipmi?: { readonly network: string; readonly address: string; readonly user: string };
  readonly location?: { readonly dc?: string; readonly row?: string; readonly rack?: string; readonly u?: number };
  readonly install: boolean;
  /** The install the site asks for: a machine that reported `installed` for it (or a later one) boots its disk. */
  readonly installGeneration: number;
  /** Undefined while an interface names no link and the machine has no boot MAC yet. */
  readonly network?: HostNetworkIR;
  /** Disks the installer uses, when the site names them; two make a RAID-1. */
  readonly systemDisks?: readonly string[];
  readonly setupWave: number;
  readonly compute?: { readonly storage: InstanceStorage };
  /** Where the machine is in swift: a store's ring placement (weight, disks), or a proxy's region and zone, for affinity. */
  readonly swift?: { readonly region: number; readonly zone: number; readonly weight?: number; readonly disks?: readonly string[] };
  readonly ceph?: { readonly disks: readonly string[] };
  readonly volume?: { readonly disks: readonly string[] };
}

/** `state/ipam.json`: every address of the site; the previous render's copy keeps allocations stable. */
export interface IpamState {
  readonly version: 1;
  /** Sorted by network, then numerically by address. */
  readonly allocations: readonly IpamAllocation[];
}

export interface IpamAllocation {
  /** `machine/<hostname>/<network>`, `ipmi/<hostname>` or `vip/<cluster>`. */
  readonly key: string;
  readonly network: string;
  readonly address: string;
  /** `auto`: chosen by IPAM and kept across compiles; `literal`: written in the site. */
  readonly origin: "auto" | "literal";
}
