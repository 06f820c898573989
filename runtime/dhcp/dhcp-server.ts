import { createSocket } from "node:dgram";
import { contains, formatIpv4, parseCidr, parseIpv4 } from "../../compiler/net/ipv4.js";
import { logEvent, type Metrics } from "../observe/metrics.js";
import type { Release } from "../release/release.js";
import { decodeDhcp, encodeDhcp, messageTypeOf, type DhcpPacket } from "./dhcp-codec.js";
import { decide } from "./dhcp-policy.js";
import type { LeaseStore } from "./lease-store.js";

export interface DhcpServerOptions {
  readonly port: number;
  /** The provisioning host's address on its local segment: requests without giaddr belong to that network. */
  readonly listen: string;
  readonly release: () => Release;
  readonly leases: LeaseStore;
  readonly metrics: Metrics;
  readonly now: () => number;
}

/**
 * The socket side of the embedded DHCP server. It binds 0.0.0.0 (Node has no SO_BINDTODEVICE or
 * IP_PKTINFO: only a wildcard socket hears broadcasts), so it serves one broadcast segment — the
 * network of --listen — plus any number of relayed ones, told apart by giaddr.
 */
export async function startDhcpServer(options: DhcpServerOptions): Promise<{ close(): Promise<void> }> {
  const socket = createSocket({ type: "udp4", reuseAddr: true });
  // Replies that hand out a lease wait for it to be on disk: one fsync per burst of datagrams, then they all go.
  const outbox: { packet: Buffer; port: number; address: string }[] = [];
  let scheduled = false;
  const send = (packet: Buffer, port: number, address: string) => {
    outbox.push({ packet, port, address });
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      options.leases.flush();
      for (const item of outbox.splice(0)) socket.send(item.packet, item.port, item.address);
    });
  };
  socket.on("message", (message) => handle(send, message, options));
  socket.on("error", (error) => logEvent("dhcp.socket_error", { error: error.message }));
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(options.port, "0.0.0.0", () => {
      socket.off("error", reject);
      socket.setBroadcast(true);
      // Room for a burst that arrives while a lease batch is fsynced (the kernel caps it at net.core.rmem_max).
      socket.setRecvBufferSize(4 << 20);
      resolve();
    });
  });
  return { close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

type Send = (packet: Buffer, port: number, address: string) => void;

function handle(send: Send, message: Buffer, options: DhcpServerOptions): void {
  const { metrics } = options;
  let packet: DhcpPacket;
  try {
    packet = decodeDhcp(message);
  } catch {
    metrics.count("oci_dhcp_malformed_total", "DHCP datagrams dropped as malformed");
    return;
  }
  const release = options.release();
  const local = localNetwork(release, options.listen);
  const decision = decide(release.dhcp, options.leases, packet, { now: options.now(), ...(local ? { localNetwork: local.network } : {}) });
  const type = messageTypeOf(packet) ?? "unknown";
  metrics.count("oci_dhcp_requests_total", "DHCP requests by message type and outcome", { type, outcome: decision.action });
  switch (decision.action) {
    case "ignore":
      logEvent("dhcp.ignored", { mac: packet.chaddr, type, reason: decision.reason });
      return;
    case "forget":
      options.leases.forget(decision.mac);
      return;
    case "quarantine":
      options.leases.record(decision.lease);
      return;
    case "reply": {
      if (decision.lease) options.leases.record(decision.lease);
      // Limited broadcast has no route in a namespace without a default route: use the segment's own broadcast address.
      const to = decision.to.address === "255.255.255.255" && local ? local.broadcast : decision.to.address;
      send(encodeDhcp(decision.reply), decision.to.port, to);
      logEvent("dhcp.reply", { mac: packet.chaddr, type, reply: messageTypeOf(decision.reply), address: decision.reply.yiaddr, file: decision.reply.file, to: `${to}:${decision.to.port}` });
    }
  }
}

const localNetworks = new WeakMap<Release, { network: string; broadcast: string } | undefined>();

/** The served network --listen is on, worked out once per release rather than per datagram. */
function localNetwork(release: Release, listen: string): { network: string; broadcast: string } | undefined {
  if (!localNetworks.has(release)) localNetworks.set(release, findLocalNetwork(release, listen));
  return localNetworks.get(release);
}

function findLocalNetwork(release: Release, listen: string): { network: string; broadcast: string } | undefined {
  if (listen === "0.0.0.0") return undefined;
  const address = parseIpv4(listen);
  for (const subnet of release.dhcp.subnets) {
    const net = parseCidr(subnet.cidr);
    if (contains(net, address)) return { network: subnet.network, broadcast: formatIpv4(net.last) };
  }
  return undefined;
}
