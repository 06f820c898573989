import type { IncomingMessage } from "node:http";
import { hostAddresses } from "../net/host-addresses.js";

/** The client's address, an IPv4-mapped IPv6 one written as IPv4. */
export function clientAddress(request: IncomingMessage): string {
  return (request.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
}

/**
 * Whether a peer address is this host's own: loopback, or an address of one of its interfaces
 * (a connection to our own address comes from that address). A remote machine cannot complete a
 * TCP handshake from one of them.
 */
export function isLocalAddress(address: string): boolean {
  const plain = address.replace(/^::ffff:/, "");
  if (plain === "::1" || plain.startsWith("127.")) return true;
  return hostAddresses().some((a) => a.address === plain);
}
