import type { LinkLayout } from "../validate/interface-links.js";
import { macLinkName } from "../validate/interface-links.js";
import type { MachineDoc } from "../validate/site-model.js";
import type { HostDeviceIR, HostNetworkIR, NetworkIR, SiteSettings } from "./site-ir.js";

interface PlacedAddress {
  readonly network: NetworkIR;
  readonly address: string;
  readonly device: string;
  readonly link: string;
  readonly vlan?: number;
}

/**
 * A machine's devices from its link layout and addresses: NICs (renamed by MAC), bonds and their
 * members, VLANs on their parents; every parent's MTU at least its VLANs' (the kernel refuses a
 * VLAN larger than its link); the default route and the site's resolvers on one device.
 */
export function hostNetwork(
  doc: MachineDoc, layout: LinkLayout, addresses: readonly { network: NetworkIR; address: string }[], site: SiteSettings, tunnelBridge?: string,
): HostNetworkIR | undefined {
  if (!layout.complete) return undefined;
  const placed: PlacedAddress[] = addresses.map((a, i) => {
    const l = layout.interfaces[i]!;
    return { ...a, device: l.device, link: l.link, ...(l.vlan === undefined ? {} : { vlan: l.vlan }) };
  });
  const devices = new Map<string, { -readonly [K in keyof HostDeviceIR]: HostDeviceIR[K] }>();
  const device = (name: string, kind: HostDeviceIR["kind"]) => {
    let d = devices.get(name);
    if (!d) devices.set(name, (d = { name, kind, mtu: 0, addresses: [], vlans: [] }));
    return d;
  };
  for (const link of layout.links.values()) {
    const d = device(link.name, link.kind === "bond" ? "bond" : "nic");
    if (link.mac) d.mac = link.mac;
    if (link.bond) d.bond = { mode: link.bond.mode, members: link.bond.members.map(macLinkName) };
  }
  for (const p of placed) {
    const address = `${p.address}/${p.network.prefix}`;
    if (p.vlan === undefined) {
      const d = device(p.link, "nic");
      d.addresses = [...d.addresses, address];
      d.mtu = Math.max(d.mtu, p.network.mtu);
    } else {
      const v = device(p.device, "vlan");
      Object.assign(v, { parent: p.link, vlan: p.vlan, mtu: p.network.mtu, addresses: [address] });
      const parent = device(p.link, "nic");
      parent.vlans = [...parent.vlans, p.device].sort();
      parent.mtu = Math.max(parent.mtu, p.network.mtu);
    }
  }
  // With a tunnel bridge (Open vSwitch's userspace datapath), the vm network's address is on the
  // bridge's own port and its device carries no address: it is a port of that bridge.
  const tunnel = tunnelBridge === undefined ? undefined : placed.find((p) => p.network.purpose === "vm");
  if (tunnel) {
    const address = `${tunnel.address}/${tunnel.network.prefix}`;
    const carrier = device(tunnel.vlan === undefined ? tunnel.link : tunnel.device, "nic");
    carrier.addresses = carrier.addresses.filter((a) => a !== address);
    Object.assign(device(tunnelBridge!, "ovs-bridge"), { mtu: tunnel.network.mtu, addresses: [address], port: carrier.name });
  }
  for (const d of [...devices.values()]) {
    if (d.mtu === 0) d.mtu = 1500;
    for (const [i, member] of (d.bond?.members ?? []).entries()) {
      Object.assign(device(member, "nic"), { mac: layout.links.get(d.name)!.bond!.members[i], memberOf: d.name, mtu: d.mtu });
    }
  }

  const onNetwork = (purpose: string) => placed.find((p) => p.network.purpose === purpose);
  const routeVia = doc.defaultRoute !== undefined
    ? placed.find((p) => p.network.name === doc.defaultRoute)
    : [onNetwork("management"), onNetwork("pxe")].find((p) => p?.network.gateway !== undefined);
  const management = onNetwork("management") ?? placed[0]!;
  return {
    devices: [...devices.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    ...(routeVia?.network.gateway ? { defaultRoute: { network: routeVia.network.name, device: routeVia.device, gateway: routeVia.network.gateway } } : {}),
    resolverDevice: (routeVia ?? management).device,
    dnsServers: site.dnsServers,
    dnsSearch: site.dnsSearch,
    ntpServers: site.ntpServers,
  };
}
