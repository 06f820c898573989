import type { HostDeviceIR, HostNetworkIR } from "../resolve/site-ir.js";

/** systemd-networkd files for the site's directory /etc/systemd/network; every name holds `-oci-`, so Puppet can tidy its own. */
export type NetworkdFiles = ReadonlyMap<string, string>;

/**
 * A machine's network configuration as systemd-networkd files (systemd 252, bookworm): a .link per
 * NIC known by MAC (matched on the permanent MAC, so VLANs and bonds that inherit it are not
 * renamed too), a .netdev per bond and VLAN, a .network per device. The installer writes these
 * files and Puppet keeps them: one text, two writers.
 */
export function networkdFiles(network: HostNetworkIR): NetworkdFiles {
  const files = new Map<string, string>();
  for (const d of network.devices) {
    if (d.mac !== undefined) files.set(`10-oci-${d.name}.link`, ini([["Match", [["PermanentMACAddress", d.mac], ["Type", "ether"]]], ["Link", [["Name", d.name]]]]));
    if (d.kind === "bond") files.set(`20-oci-${d.name}.netdev`, ini([["NetDev", [["Name", d.name], ["Kind", "bond"]]], ["Bond", bondSettings(d.bond!.mode)]]));
    if (d.kind === "vlan") files.set(`20-oci-${d.name}.netdev`, ini([["NetDev", [["Name", d.name], ["Kind", "vlan"]]], ["VLAN", [["Id", String(d.vlan)]]]]));
    if (d.memberOf !== undefined) {
      files.set(`30-oci-${d.name}.network`, ini([["Match", [["Name", d.name]]], ["Network", [["Bond", d.memberOf]]]]));
    } else {
      files.set(`${d.kind === "vlan" ? 50 : 40}-oci-${d.name}.network`, ini([["Match", [["Name", d.name]]], ["Link", [["MTUBytes", String(d.mtu)]]], ["Network", networkSettings(d, network)]]));
    }
  }
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

type Section = readonly [string, readonly (readonly [string, string])[]];

function ini(sections: readonly Section[]): string {
  return `${sections.map(([name, entries]) => [`[${name}]`, ...entries.map(([k, v]) => `${k}=${v}`)].join("\n")).join("\n\n")}\n`;
}

function bondSettings(mode: "802.3ad" | "active-backup"): [string, string][] {
  // LACP with a fast rate and layer 3+4 hashing, as OCI sets its bonds; link state by MII every 100 ms.
  return mode === "802.3ad"
    ? [["Mode", "802.3ad"], ["LACPTransmitRate", "fast"], ["TransmitHashPolicy", "layer3+4"], ["MIIMonitorSec", "100ms"]]
    : [["Mode", "active-backup"], ["MIIMonitorSec", "100ms"]];
}

function networkSettings(d: HostDeviceIR, network: HostNetworkIR): [string, string][] {
  const settings: [string, string][] = d.addresses.map((a) => ["Address", a]);
  if (network.defaultRoute?.device === d.name) settings.push(["Gateway", network.defaultRoute.gateway]);
  if (network.resolverDevice === d.name) {
    for (const server of network.dnsServers) settings.push(["DNS", server]);
    if (network.dnsSearch.length > 0) settings.push(["Domains", network.dnsSearch.join(" ")]);
    for (const server of network.ntpServers) settings.push(["NTP", server]);
  }
  for (const vlan of d.vlans) settings.push(["VLAN", vlan]);
  // IPv4 only, as the site describes it: no IPv6 link-local address or router advertisement to surprise anyone.
  settings.push(["LinkLocalAddressing", "no"], ["IPv6AcceptRA", "no"]);
  return settings;
}
