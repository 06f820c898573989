import { accessSync, constants, readFileSync } from "node:fs";
import { join } from "node:path";
import { LIVE_IMAGE } from "../../compiler/resolve/boot-plan.js";
import { setupOrderOf } from "../release/setup-order.js";
import { EMPTY_RELEASE, type Release } from "../release/release.js";

export interface ServedSetup {
  readonly httpPort: number;
  /** The address --listen names (0.0.0.0: every one). */
  readonly listen: string;
  readonly liveDir?: string;
  readonly eyamlPrivateKey?: string;
}

/**
 * What would make machines fail later although oci serve runs: boot scripts that point at another
 * port or address than the one served, machines due an install with no live image to boot, an
 * eyaml private key this process cannot read (no autosign token for any installer). Checked at
 * start and for each release; reported in the log, /healthz and `oci status`.
 */
export function serveWarnings(release: Release, served: ServedSetup): string[] {
  const warnings: string[] = [];
  if (release !== EMPTY_RELEASE && release.dhcp.boot.ipxeScriptUrl) {
    const url = new URL(release.dhcp.boot.ipxeScriptUrl);
    const port = url.port === "" ? 80 : Number(url.port);
    if (port !== served.httpPort) {
      warnings.push(`the release's boot URLs use port ${port} (site.yaml provisioning.httpPort) but HTTP is served on port ${served.httpPort}: machines would not get their boot scripts; make --http-port (OCI_HTTP_PORT) and provisioning.httpPort agree`);
    }
    if (served.listen !== "0.0.0.0" && url.hostname !== served.listen) {
      warnings.push(`the release's boot URLs name ${url.hostname} (site.yaml provisioning.address) but oci serve listens on ${served.listen}`);
    }
  }
  if (installsDue(release)) {
    const missing = served.liveDir === undefined
      ? ["--live-dir is not set"]
      : Object.values(LIVE_IMAGE).map((path) => path.slice("live/".length)).filter((name) => !readable(join(served.liveDir!, name))).map((name) => `${join(served.liveDir!, name)} is missing or unreadable`);
    if (missing.length > 0) warnings.push(`machines are due an install but the live image is not served: ${missing.join("; ")}`);
  }
  if (release !== EMPTY_RELEASE && served.eyamlPrivateKey !== undefined) {
    try {
      readFileSync(served.eyamlPrivateKey);
    } catch (error) {
      warnings.push(`the eyaml private key cannot be read (${(error as Error).message}): installers get no autosign token, so no machine joins puppet by itself`);
    }
  }
  return warnings;
}

function installsDue(release: Release): boolean {
  return setupOrderOf(release).machines.some((m) => m.installGeneration !== undefined);
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
