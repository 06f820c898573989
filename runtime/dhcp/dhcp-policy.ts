// What the embedded DHCP server answers: a pure function of (release, leases, packet, context).
// The server applies the lease change it returns and sends the reply; tests cover every case here.

import { contains, formatIpv4, parseCidr, parseIpv4, type Ipv4Network } from "../../compiler/net/ipv4.js";
import { ipBytes, ipOption, messageTypeOf, MessageType, Option, type DhcpPacket } from "./dhcp-codec.js";

/** dhcp/reservations.json of the served release. */
export interface DhcpRelease {
  readonly server: string;
  readonly domain: string;
  readonly dnsServers: readonly string[];
  readonly boot: { readonly ipxeScriptUrl: string; readonly bios: string; readonly uefi: string; readonly uefiArches: readonly number[] };
  readonly subnets: readonly { readonly network: string; readonly cidr: string; readonly netmask: string; readonly gateway?: string; readonly relay?: string; readonly pool?: { readonly start: string; readonly end: string }; readonly mtu: number }[];
  readonly reservations: readonly { readonly mac: string; readonly address: string; readonly hostname: string; readonly fqdn?: string; readonly network: string }[];
}

export interface Lease {
  readonly mac: string;
  readonly address: string;
  /** Milliseconds since the epoch. */
  readonly expires: number;
  readonly state: "offered" | "bound" | "declined";
}

export interface LeaseView {
  byMac(mac: string): Lease | undefined;
  byAddress(address: string): Lease | undefined;
  /** A pool address (as a number) in [start, end] that no live lease holds, or undefined when the range is full. */
  freeAddress(start: number, end: number, now: number): number | undefined;
}

export interface DhcpContext {
  readonly now: number;
  /** The network whose broadcast domain the server sits on; requests without giaddr belong to it. */
  readonly localNetwork?: string;
}

export type DhcpDecision =
  | { readonly action: "ignore"; readonly reason: string }
  | { readonly action: "reply"; readonly reply: DhcpPacket; readonly to: { readonly address: string; readonly port: number }; readonly lease?: Lease }
  /** Drop what is held for this MAC (RELEASE, or the client chose another server). */
  | { readonly action: "forget"; readonly mac: string }
  /** Keep an address out of the pool for a while (DECLINE). */
  | { readonly action: "quarantine"; readonly lease: Lease };

export const LEASE_SECONDS = 3600;
const OFFER_HOLD_MS = 60_000;
const DECLINE_HOLD_MS = 600_000;

export function decide(release: DhcpRelease, leases: LeaseView, packet: DhcpPacket, context: DhcpContext): DhcpDecision {
  if (packet.op !== 1) return ignore("not a request (op 2)");
  // Only Ethernet clients boot here: an address is leased to a 6-byte hardware address (RFC 1700
  // htype 1). Anything else would take a pool address under a chaddr no reservation can match.
  if (packet.htype !== 1 || packet.hlen !== 6) return ignore(`hardware type ${packet.htype}, address length ${packet.hlen}: not Ethernet`);
  const type = messageTypeOf(packet);
  if (!type) return ignore("no message type");
  // UEFI HTTP boot wants a URL and this vendor class echoed; an offer of a TFTP program only makes it
  // wait out its timeout. Silence, and a log line that says why, before it tries its next boot option.
  if (packet.options.get(Option.vendorClass)?.toString("latin1").startsWith("HTTPClient")) {
    return ignore("a UEFI HTTP boot client: oci serves PXE (TFTP, then iPXE over HTTP); put the firmware's IPv4 PXE entry first in its boot order");
  }
  const subnet = subnetOf(release, packet, context);
  if (!subnet) return ignore(packet.giaddr !== "0.0.0.0" ? `giaddr ${packet.giaddr} is on no served network` : "no served network on this segment");

  // RFC 2131 §4.1 unicasts the reply to a set ciaddr. One off the request's own network is stale or
  // forged, and its reply would wait on ARP for a host that is not there, holding up the others.
  if (packet.ciaddr !== "0.0.0.0" && (type === "discover" || type === "inform") && !contains(parsedNetwork(release, subnet), parseIpv4(packet.ciaddr))) {
    return ignore(`ciaddr ${packet.ciaddr} is not on ${subnet.network} (${subnet.cidr}), where the request came from`);
  }

  const mac = packet.chaddr;
  const reservation = reservationsOf(release).get(`${subnet.network} ${mac}`);
  const candidate = reservation?.address ?? poolAddress(subnet, leases, mac, context.now);
  switch (type) {
    case "discover":
      if (!candidate) return ignore(`the discovery pool of ${subnet.network} is exhausted`);
      return reply(release, subnet, packet, "offer", candidate, reservation?.hostname, { mac, address: candidate, expires: context.now + OFFER_HOLD_MS, state: "offered" });
    case "request": {
      const serverId = ipOption(packet, Option.serverId);
      if (serverId !== undefined && serverId !== release.server) {
        // The client took another server's offer: drop what we held for it.
        return { action: "forget", mac };
      }
      const wanted = packet.ciaddr !== "0.0.0.0" ? packet.ciaddr : ipOption(packet, Option.requestedAddress);
      if (!candidate || wanted !== candidate) return nak(release, packet);
      return reply(release, subnet, packet, "ack", candidate, reservation?.hostname, { mac, address: candidate, expires: context.now + LEASE_SECONDS * 1000, state: "bound" });
    }
    case "release":
      return { action: "forget", mac };
    case "decline": {
      const address = ipOption(packet, Option.requestedAddress);
      if (!address) return ignore("DECLINE without an address");
      // Another host answers ARP for it: keep it out of the pool for a while (RFC 2131 §4.3.3).
      return { action: "quarantine", lease: { mac: `declined:${address}`, address, expires: context.now + DECLINE_HOLD_MS, state: "declined" } };
    }
    case "inform":
      return reply(release, subnet, packet, "ack", "0.0.0.0", reservation?.hostname, undefined);
    default:
      return ignore(`${type} is a server message`);
  }
}

type Subnet = DhcpRelease["subnets"][number];

const parsedSubnets = new WeakMap<DhcpRelease, { subnet: Subnet; net: Ipv4Network }[]>();

function parsedSubnetsOf(release: DhcpRelease): { subnet: Subnet; net: Ipv4Network }[] {
  let nets = parsedSubnets.get(release);
  if (!nets) parsedSubnets.set(release, (nets = release.subnets.map((subnet) => ({ subnet, net: parseCidr(subnet.cidr) }))));
  return nets;
}

function parsedNetwork(release: DhcpRelease, subnet: Subnet): Ipv4Network {
  return parsedSubnetsOf(release).find((n) => n.subnet === subnet)!.net;
}

function subnetOf(release: DhcpRelease, packet: DhcpPacket, context: DhcpContext): Subnet | undefined {
  if (packet.giaddr !== "0.0.0.0") {
    const relay = parseIpv4(packet.giaddr);
    return parsedSubnetsOf(release).find((n) => contains(n.net, relay))?.subnet;
  }
  return release.subnets.find((s) => s.network === context.localNetwork);
}

const reservationIndex = new WeakMap<DhcpRelease, Map<string, DhcpRelease["reservations"][number]>>();

/** Reservations by `<network> <mac>`, built once per release: a linear search per packet does not scale to 10,000 machines. */
function reservationsOf(release: DhcpRelease): Map<string, DhcpRelease["reservations"][number]> {
  let index = reservationIndex.get(release);
  if (!index) {
    index = new Map(release.reservations.map((r) => [`${r.network} ${r.mac}`, r]));
    reservationIndex.set(release, index);
  }
  return index;
}

/** The MAC's current pool lease, else a pool address nobody holds. */
function poolAddress(subnet: Subnet, leases: LeaseView, mac: string, now: number): string | undefined {
  if (!subnet.pool) return undefined;
  const held = leases.byMac(mac);
  const [start, end] = [parseIpv4(subnet.pool.start), parseIpv4(subnet.pool.end)];
  if (held && held.state !== "declined" && parseIpv4(held.address) >= start && parseIpv4(held.address) <= end) return held.address;
  const free = leases.freeAddress(start, end, now);
  return free === undefined ? undefined : formatIpv4(free);
}

function ignore(reason: string): DhcpDecision {
  return { action: "ignore", reason };
}

/** The client asks for an address that is not its own here (moved, or another server's): tell it to start over. */
function nak(release: DhcpRelease, packet: DhcpPacket): DhcpDecision {
  const options = new Map<number, Buffer>([[Option.messageType, Buffer.from([MessageType.nak])], [Option.serverId, ipBytes(release.server)]]);
  // RFC 2131 §4.1: a NAK goes to the relay, else to broadcast.
  const to = packet.giaddr !== "0.0.0.0" ? { address: packet.giaddr, port: 67 } : { address: "255.255.255.255", port: 68 };
  return { action: "reply", reply: answerFrame(packet, "0.0.0.0", "0.0.0.0", "", options), to };
}

function reply(release: DhcpRelease, subnet: Subnet, packet: DhcpPacket, kind: "offer" | "ack", yiaddr: string, hostname: string | undefined, lease: Lease | undefined): DhcpDecision {
  const options = new Map<number, Buffer>();
  options.set(Option.messageType, Buffer.from([kind === "offer" ? MessageType.offer : MessageType.ack]));
  options.set(Option.serverId, ipBytes(release.server));
  if (yiaddr !== "0.0.0.0") {
    options.set(Option.leaseTime, uint32(LEASE_SECONDS));
    options.set(Option.renewalTime, uint32(LEASE_SECONDS / 2));
    options.set(Option.rebindingTime, uint32((LEASE_SECONDS * 7) / 8));
  }
  options.set(Option.subnetMask, ipBytes(subnet.netmask));
  if (subnet.gateway) options.set(Option.router, ipBytes(subnet.gateway));
  if (release.dnsServers.length > 0) options.set(Option.dnsServers, Buffer.concat(release.dnsServers.map(ipBytes)));
  options.set(Option.domainName, Buffer.from(release.domain));
  options.set(Option.interfaceMtu, Buffer.from([subnet.mtu >> 8, subnet.mtu & 255]));
  if (hostname) options.set(Option.hostName, Buffer.from(hostname));
  const relayInfo = packet.options.get(Option.relayAgent);
  if (relayInfo) options.set(Option.relayAgent, relayInfo); // RFC 3046 §2.2: echo it back
  const frame = answerFrame(packet, yiaddr, release.server, bootFile(release, packet), options);
  return { action: "reply", reply: frame, to: destination(packet), ...(lease ? { lease } : {}) };
}

/** iPXE (user class "iPXE") gets the HTTP script; firmware gets iPXE by architecture (RFC 4578 option 93). */
export function bootFile(release: DhcpRelease, packet: DhcpPacket): string {
  const userClass = packet.options.get(Option.userClass);
  // iPXE sends the bare string; RFC 3004 clients a length-prefixed list: accept both.
  if (userClass && (userClass.toString("latin1") === "iPXE" || (userClass[0] === 4 && userClass.subarray(1, 5).toString("latin1") === "iPXE"))) return release.boot.ipxeScriptUrl;
  const arch = packet.options.get(Option.clientArch);
  if (arch && arch.length >= 2 && release.boot.uefiArches.includes(arch.readUInt16BE(0))) return release.boot.uefi;
  return release.boot.bios;
}

/** RFC 2131 §4.1: to the relay; to a configured client; else broadcast (Node cannot write the client's ARP entry to unicast). */
function destination(packet: DhcpPacket): { address: string; port: number } {
  if (packet.giaddr !== "0.0.0.0") return { address: packet.giaddr, port: 67 };
  if (packet.ciaddr !== "0.0.0.0") return { address: packet.ciaddr, port: 68 };
  return { address: "255.255.255.255", port: 68 };
}

function answerFrame(packet: DhcpPacket, yiaddr: string, siaddr: string, file: string, options: Map<number, Buffer>): DhcpPacket {
  return {
    op: 2, htype: packet.htype, hlen: packet.hlen, hops: 0, xid: packet.xid, secs: 0, flags: packet.flags,
    ciaddr: packet.ciaddr, yiaddr, siaddr, giaddr: packet.giaddr, chaddr: packet.chaddr, sname: "", file, options,
  };
}

function uint32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}
