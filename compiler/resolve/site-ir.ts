// The Site IR: everything emitters need, decided. Emitters format it; they never decide.

import type { NetworkPurpose, Role, Service } from "../validate/site-model.js";
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
  readonly name: "cephmon" | "cephosd" | "controller" | "other";
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
  readonly device?: string;
  /** Canonical lowercase colon form. */
  readonly mac?: string;
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
  readonly ipmi?: { readonly network: string; readonly address: string };
  readonly location?: { readonly dc?: string; readonly row?: string; readonly rack?: string; readonly u?: number };
  readonly install: boolean;
  /** Disks the installer uses, when the site names them; two make a RAID-1. */
  readonly systemDisks?: readonly string[];
  readonly setupWave: number;
  readonly compute?: { readonly storage: InstanceStorage };
  readonly swift?: { readonly region: number; readonly zone: number; readonly weight: number; readonly disks: readonly string[] };
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
