import { setupOrderOf } from "./setup-order.js";
import type { Release } from "./release.js";

export type Instruction = { readonly action: "wait" } | { readonly action: "reboot"; readonly hostname: string };

const serialsByRelease = new WeakMap<Release, ReadonlyMap<string, string>>();

/**
 * What the discovery agent of a machine should do: wait while no machine of the release has its
 * serial; reboot once one has, since its next PXE boot gets its reservation and install script.
 */
export function instructionFor(release: Release, serial: string): Instruction {
  let serials = serialsByRelease.get(release);
  if (!serials) {
    serials = new Map(setupOrderOf(release).machines.filter((m) => m.serial).map((m) => [m.serial!, m.fqdn]));
    serialsByRelease.set(release, serials);
  }
  const fqdn = serials.get(serial);
  return fqdn ? { action: "reboot", hostname: fqdn } : { action: "wait" };
}
