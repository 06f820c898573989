import { execFileSync } from "node:child_process";
import { networkInterfaces } from "node:os";

export interface HostAddress {
  readonly device: string;
  readonly address: string;
}

/**
 * Every IPv4 address of this host (its network namespace), with its interface, whether or not the
 * link has carrier. Node's os.networkInterfaces() leaves out interfaces that are not running: a
 * provisioning NIC whose cable is out, or a bridge whose ports are all down, would look absent,
 * although its address is configured and serving resumes with the link. iproute2 lists them all;
 * without it, Node's list is the fallback.
 */
export function hostAddresses(): HostAddress[] {
  try {
    const links = JSON.parse(execFileSync("ip", ["-j", "-4", "addr", "show"], { encoding: "utf8", timeout: 5_000 })) as { ifname: string; addr_info?: { local?: string }[] }[];
    return links.flatMap((link) => (link.addr_info ?? []).flatMap((a) => (a.local ? [{ device: link.ifname, address: a.local }] : [])));
  } catch {
    return Object.entries(networkInterfaces()).flatMap(([device, list]) => (list ?? []).filter((i) => i.family === "IPv4").map((i) => ({ device, address: i.address })));
  }
}
