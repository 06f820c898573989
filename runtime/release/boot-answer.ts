import { setupOrderOf } from "./setup-order.js";
import type { StatusSnapshot } from "../state/status-store.js";
import type { Release } from "./release.js";

/** The release's local-boot file for each kind of per-machine boot file: what an installed machine gets instead of its install. */
const PER_MACHINE = [
  { pattern: /^pxe\/ipxe\/([0-9a-f]{2}(?:-[0-9a-f]{2}){5})\.ipxe$/, local: "pxe/ipxe/localboot.ipxe" },
  { pattern: /^pxe\/pxelinux\.cfg\/01-([0-9a-f]{2}(?:-[0-9a-f]{2}){5})$/, local: "pxe/pxelinux.cfg/localboot" },
  { pattern: /^pxe\/grub\/grub\.cfg-01-([0-9a-f]{2}(?:-[0-9a-f]{2}){5})$/, local: "pxe/grub/grub.cfg-localboot" },
] as const;

export interface BootAnswer {
  /** The release file to serve. */
  readonly path: string;
  /** Set when the path is a machine's own boot file. */
  readonly machine?: { readonly fqdn: string; readonly answer: "install" | "local" };
}

interface DueInstall { readonly fqdn: string; readonly serial?: string; readonly generation: number }

const dueByRelease = new WeakMap<Release, ReadonlyMap<string, DueInstall>>();

/**
 * Which file answers a boot request. A machine the site asks to install gets its install script
 * until it has reported `installed` for the generation the site asks (Machine.installGeneration),
 * then local boot on every path (iPXE, pxelinux, GRUB), whatever its boot order: the installer's
 * own reboot lands on the installed system, and only a raised generation installs again.
 */
export function bootAnswer(release: Release, status: StatusSnapshot, path: string): BootAnswer {
  for (const { pattern, local } of PER_MACHINE) {
    const mac = pattern.exec(path)?.[1];
    if (mac === undefined) continue;
    const due = dueInstalls(release).get(mac.replace(/-/g, ":"));
    if (!due) return { path };
    const answer = installedGeneration(status, due) >= due.generation ? "local" : "install";
    return { path: answer === "local" ? local : path, machine: { fqdn: due.fqdn, answer } };
  }
  return { path };
}

/** The highest install generation the machine reported `installed` for (by serial, else by FQDN), 0 for none. */
export function installedGeneration(status: StatusSnapshot, machine: { readonly fqdn: string; readonly serial?: string }): number {
  return (machine.serial !== undefined ? status.installed?.[machine.serial] : status.installedHosts?.[machine.fqdn]) ?? 0;
}

/** Boot MAC → the install its machine is due, for machines whose site file says `install: true`. */
function dueInstalls(release: Release): ReadonlyMap<string, DueInstall> {
  let due = dueByRelease.get(release);
  if (due) return due;
  const order = setupOrderOf(release);
  const byFqdn = new Map(order.machines.filter((m) => m.installGeneration !== undefined).map((m) => [m.fqdn, m]));
  const map = new Map<string, DueInstall>();
  for (const r of release.dhcp.reservations) {
    const m = r.fqdn === undefined ? undefined : byFqdn.get(r.fqdn);
    if (m) map.set(r.mac, { fqdn: m.fqdn, generation: m.installGeneration!, ...(m.serial ? { serial: m.serial } : {}) });
  }
  dueByRelease.set(release, (due = map));
  return due;
}
