import { createSocket } from "node:dgram";
import { contains, formatIpv4, parseCidr, parseIpv4 } from "../../compiler/net/ipv4.js";
import { logEvent, type Metrics } from "../observe/metrics.js";
import type { Release } from "../release/release.js";
import { decodeDhcp, encodeDhcp, messageTypeOf, type DhcpPacket } from "./dhcp-codec.js";
import { bindSocketToDevice, interfaceOf } from "./bind-device.js";
import { decide } from "./dhcp-policy.js";
import { SendQueueBound } from "./send-queue-bound.js";
import type { LeaseStore } from "./lease-store.js";

export interface DhcpServerOptions {
  readonly port: number;
  /** The provisioning host's address on its local segment: requests without giaddr belong to that network. */
  readonly listen: string;
  readonly release: () => Release;
  readonly leases: LeaseStore;
  readonly metrics: Metrics;
  readonly now: () => number;
  /** False until every service of oci serve is bound: nothing is answered before. */
  readonly serving: () => boolean;
}

/** What the DHCP socket listens on, for the ready log line; `warning` when it hears more than --listen's segment. */
export interface DhcpBinding {
  readonly address: string;
  readonly port: number;
  readonly device?: string;
  readonly warning?: string;
}

export class DhcpBindError extends Error {
  readonly code = "OCI3202";
  constructor(detail: string) {
    super(detail);
    this.name = "DhcpBindError";
  }
}

/**
 * The socket side of the embedded DHCP server. Broadcast DISCOVERs reach only a socket bound to
 * 0.0.0.0, so for --listen on an interface's address it binds 0.0.0.0 and then SO_BINDTODEVICE
 * to that interface (native/bind-device.c): it hears that segment and relays (giaddr), nothing
 * else. On loopback it binds the address itself; with --listen 0.0.0.0, every interface.
 */
export async function startDhcpServer(options: DhcpServerOptions): Promise<{ close(): Promise<void>; binding: DhcpBinding }> {
  const loopback = options.listen.startsWith("127.");
  const device = options.listen === "0.0.0.0" || loopback ? undefined : interfaceOf(options.listen);
  if (options.listen !== "0.0.0.0" && !loopback && !device) throw new DhcpBindError(`no interface of this host has the --listen address ${options.listen}`);
  const socket = createSocket({ type: "udp4" });
  // Replies that hand out a lease wait for it to be on disk: one fsync per burst of datagrams, then they all go.
  const outbox: { packet: Buffer; port: number; address: string }[] = [];
  let scheduled = false;
  const sendQueue = new SendQueueBound(options.metrics);
  const send = (packet: Buffer, port: number, address: string) => {
    outbox.push({ packet, port, address });
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      const batch = outbox.splice(0);
      try {
        options.leases.flush();
      } catch (error) {
        // A lease that is not on disk is not given: these clients ask again, and a full or broken
        // disk is a log line and a metric, never the end of the daemon.
        options.metrics.count("oci_dhcp_lease_write_errors_total", "lease batches that could not be written: their replies were not sent");
        logEvent("dhcp.lease_write_error", { error: (error as Error).message, replies: batch.length });
        return;
      }
      for (const item of batch) {
        if (!sendQueue.admit(socket.getSendQueueCount())) continue;
        socket.send(item.packet, item.port, item.address, (error) => {
          if (error) logEvent("dhcp.send_error", { to: item.address, error: error.message });
        });
      }
    });
  };
  // Until the socket is tied to its interface, what arrives may come from any: drop it.
  let confined = device === undefined;
  let limitedBroadcast = false;
  socket.on("message", (message) => {
    if (confined && options.serving()) handle(send, message, options, limitedBroadcast);
  });
  socket.on("error", (error) => logEvent("dhcp.socket_error", { error: error.message }));
  const address = loopback ? options.listen : "0.0.0.0";
  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => reject(new DhcpBindError(`cannot bind DHCP on ${address}:${options.port}: ${error.message}`));
    socket.once("error", fail);
    socket.bind(options.port, address, () => {
      socket.off("error", fail);
      socket.setBroadcast(true);
      // Room for a burst that arrives while a lease batch is fsynced (the kernel caps it at net.core.rmem_max).
      socket.setRecvBufferSize(4 << 20);
      resolve();
    });
  });
  const problem = device ? bindSocketToDevice(socket, device) : undefined;
  confined = true;
  limitedBroadcast = device !== undefined && problem === undefined;
  const binding: DhcpBinding = {
    address, port: options.port, ...(device ? { device } : {}),
    ...(problem ? { warning: `DHCP hears every interface, not only ${device}: ${problem}` } : {}),
    ...(options.listen === "0.0.0.0" ? { warning: "--listen 0.0.0.0: DHCP answers broadcasts of every interface as the PXE network's" } : {}),
  };
  return { binding, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

type Send = (packet: Buffer, port: number, address: string) => void;

/**
 * `limitedBroadcast`: the socket is tied to its interface, so 255.255.255.255 leaves by that
 * interface without a route. Clients without an address accept only that broadcast (RFC 2131
 * §4.1); UEFI's PXE client ignores the segment's own broadcast address, which is what is left
 * when the socket is not tied (no route for the limited broadcast in a namespace without one).
 */
function handle(send: Send, message: Buffer, options: DhcpServerOptions, limitedBroadcast: boolean): void {
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
      const to = decision.to.address === "255.255.255.255" && !limitedBroadcast && local ? local.broadcast : decision.to.address;
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
