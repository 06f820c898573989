import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { EyamlDecryptor } from "../puppet/eyaml-decrypt.js";
import type { PublishedEnvironment } from "../puppet/published-environment.js";

/** A machine's BMC as the published release gives it: address from IPAM, password from its eyaml secret `ipmi/<fqdn>`. */
export interface BmcTarget {
  readonly fqdn: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** IPMI 2.0 cipher suite (3: AES-128 with HMAC-SHA1, which BMCs and ipmitool all have). */
  readonly cipherSuite: number;
}

export class BmcError extends Error {
  readonly code = "OCI3501";
  constructor(readonly fqdn: string, detail: string) {
    super(`${fqdn}: ${detail}`);
    this.name = "BmcError";
  }
}

export const POWER_ACTIONS = ["status", "on", "off", "cycle"] as const;
export type PowerAction = (typeof POWER_ACTIONS)[number];
export const BOOT_DEVICES = ["pxe", "disk"] as const;
export type BootDevice = (typeof BOOT_DEVICES)[number];

/** `user` overrides the release's name for the BMC's admin (the machine's `ipmi.user`, default root). */
export function bmcTarget(environment: PublishedEnvironment, fqdn: string, options: { eyamlPrivateKey: string; user?: string; port: number; cipherSuite: number }): BmcTarget {
  const data = environment.nodeDataOf(fqdn);
  const ipmi = data["oci::node::ipmi"] as { address?: string; user?: string } | undefined;
  if (!ipmi?.address) throw new BmcError(fqdn, "has no BMC in the release: give its machine file `ipmi: { network: <ipmi network> }`");
  const secret = data["oci::bmc::password"];
  if (typeof secret !== "string") throw new BmcError(fqdn, "has no BMC password in the release (secret ipmi/<fqdn>)");
  const password = new EyamlDecryptor(readFileSync(options.eyamlPrivateKey, "utf8")).decrypt(secret);
  return { fqdn, address: ipmi.address, port: options.port, user: options.user ?? ipmi.user ?? "root", password, cipherSuite: options.cipherSuite };
}

/** `ipmitool` over the LAN (lanplus), the password through the environment (`-E`), never in argv. */
export function ipmitool(target: BmcTarget, args: readonly string[], timeoutMs = 30_000): Promise<string> {
  const argv = ["-I", "lanplus", "-C", String(target.cipherSuite), "-H", target.address, "-p", String(target.port), "-U", target.user, "-E", "-N", "2", "-R", "3", ...args];
  return new Promise((resolve, reject) => {
    execFile("ipmitool", argv, { env: { ...process.env, IPMI_PASSWORD: target.password }, timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) {
        const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
        return reject(new BmcError(target.fqdn, missing ? "ipmitool is not installed on this host (apt-get install ipmitool)" : `BMC ${target.address}:${target.port}: ${(stderr || stdout || error.message).trim().split("\n").at(-1)}`));
      }
      resolve(stdout.trim());
    });
  });
}

export async function power(target: BmcTarget, action: PowerAction): Promise<string> {
  return ipmitool(target, ["chassis", "power", action]);
}

/** The next boot only (not persistent): `pxe` to reinstall or rediscover, `disk` to leave the network boot. */
export async function bootDevice(target: BmcTarget, device: BootDevice): Promise<string> {
  return ipmitool(target, ["chassis", "bootdev", device]);
}
