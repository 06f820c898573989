// What every booting machine is told, decided once for all boot formats (DHCP, iPXE, pxelinux,
// GRUB). Emitters only format this plan.

import { normalizeMac } from "../net/mac.js";
import type { KeyedMemo } from "../memo/keyed-memo.js";
import type { MachineIR, NetworkIR, SiteSettings } from "./site-ir.js";

/** Boot programs from Debian's `ipxe` package, fetched by TFTP, by client architecture (DHCP option 93, RFC 4578). */
export const BOOT_PROGRAMS = {
  /** Legacy BIOS PXE ROMs (arch 0): iPXE chained over the ROM's UNDI driver. */
  bios: "undionly.kpxe",
  /** x86-64 UEFI (arch 7 and 9): iPXE over the firmware's SNP driver. */
  uefi: "snponly.efi",
} as const;

/** RFC 4578 / IANA processor architecture types that mean x86-64 UEFI. */
export const UEFI_X64_ARCHES = [7, 9] as const;

/** Files of the live image, served over HTTP (and TFTP for pxelinux/GRUB) under `live/`. */
export const LIVE_IMAGE = {
  kernel: "live/vmlinuz",
  initrd: "live/initrd.img",
  squashfs: "live/filesystem.squashfs",
} as const;

export interface KernelArg {
  readonly key: string;
  readonly value: string;
}

export interface DhcpSubnetIR {
  readonly network: string;
  readonly address: string;
  readonly prefix: number;
  readonly netmask: string;
  readonly cidr: string;
  readonly gateway?: string;
  /** The relay agent (giaddr) that forwards this subnet's requests, for routed segments. */
  readonly relay?: string;
  readonly pool?: { readonly start: string; readonly end: string };
  readonly mtu: number;
}

export interface BootHostIR {
  readonly hostname: string;
  readonly fqdn: string;
  readonly network: string;
  readonly address: string;
  /** Every boot MAC of the machine gets the machine's address on its pxe network. */
  readonly macs: readonly string[];
  /** `install` while `install: true`; the daemon answers local boot instead once the machine reported `installed` for its generation. */
  readonly action: "install" | "local";
  readonly installArgs: readonly KernelArg[];
}

export interface BootPlanIR {
  readonly server: string;
  readonly httpBase: string;
  /** The chain script iPXE is sent to by DHCP (option 77 user-class "iPXE"). */
  readonly ipxeScriptUrl: string;
  readonly domain: string;
  readonly dnsServers: readonly string[];
  readonly subnets: readonly DhcpSubnetIR[];
  /** Sorted by hostname. */
  readonly hosts: readonly BootHostIR[];
  readonly discoveryArgs: readonly KernelArg[];
}

/** Characters that survive the kernel command line, iPXE, pxelinux and GRUB unquoted and unexpanded. */
const SAFE_VALUE = /^[A-Za-z0-9._~:/?#@!&()*+,;=%\[\]-]*$/;

export class UnsafeKernelArgumentError extends Error {
  readonly code = "OCI2001";
  constructor(readonly key: string, readonly value: string) {
    super(`kernel argument ${key} has a value that could inject arguments or expansions: ${JSON.stringify(value)}`);
    this.name = "UnsafeKernelArgumentError";
  }
}

/**
 * A kernel argument. The schemas already restrict every value that reaches here; this check is the
 * last line: a value with a space, quote, `$`, `{` or control character never reaches a boot script.
 */
export function kernelArg(key: string, value: string): KernelArg {
  if (!/^[a-z][a-z0-9_.]*$/.test(key) || !SAFE_VALUE.test(value)) throw new UnsafeKernelArgumentError(key, value);
  return { key, value };
}

export function formatKernelArgs(args: readonly KernelArg[]): string {
  return args.map((a) => `${a.key}=${a.value}`).join(" ");
}

/** What the installer sets on the BMC (oci.ipmi): ADDRESS,NETMASK[,GATEWAY] of its IPMI network. */
function bmcLan(ipmi: NonNullable<MachineIR["ipmi"]>, networks: readonly NetworkIR[]): string {
  const network = networks.find((n) => n.name === ipmi.network)!;
  return [ipmi.address, network.netmask, ...(network.gateway === undefined ? [] : [network.gateway])].join(",");
}

export function planBoot(site: SiteSettings, networks: readonly NetworkIR[], machines: readonly MachineIR[], memo?: KeyedMemo<MachineIR, BootHostIR | undefined>): BootPlanIR {
  const served = networks.filter((n) => n.purpose === "pxe" || n.relay !== undefined);
  const servedNames = new Set(served.map((n) => n.name));
  const subnets = served.map((n): DhcpSubnetIR => ({
    network: n.name, address: n.address, prefix: n.prefix, netmask: n.netmask, cidr: n.cidr, mtu: n.mtu,
    ...(n.gateway === undefined ? {} : { gateway: n.gateway }),
    ...(n.relay === undefined ? {} : { relay: n.relay }),
    ...(n.discoveryPool === undefined ? {} : { pool: n.discoveryPool }),
  }));
  const common = [
    kernelArg("boot", "live"),
    kernelArg("fetch", `${site.provisioningUrl}/${LIVE_IMAGE.squashfs}`),
    kernelArg("oci.url", site.provisioningUrl),
    ...(site.serialConsole ? [kernelArg("console", "tty0"), kernelArg("console", site.serialConsole)] : []),
  ];
  const hosts: BootHostIR[] = [];
  // A machine's host entry is its machine, the site's settings and the networks: the same three, the same entry.
  const contextKey = memo ? JSON.stringify([site, networks]) : "";
  for (const machine of machines) {
    const host = memo ? memo.get(machine, [contextKey], () => bootHost(machine)) : bootHost(machine);
    if (host) hosts.push(host);
  }
  hosts.sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
  return {
    server: site.provisioningAddress,
    httpBase: site.provisioningUrl,
    ipxeScriptUrl: `${site.provisioningUrl}/boot.ipxe`,
    domain: site.domain,
    dnsServers: site.dnsServers,
    subnets,
    hosts,
    discoveryArgs: [...common, kernelArg("oci.mode", "discovery")],
  };

  function bootHost(machine: MachineIR): BootHostIR | undefined {
    const boot = machine.interfaces.find((i) => servedNames.has(i.network));
    if (!boot || machine.bootMacs.length === 0) return undefined;
    return {
      hostname: machine.hostname,
      fqdn: machine.fqdn,
      network: boot.network,
      address: boot.address,
      macs: machine.bootMacs.map(normalizeMac),
      action: machine.install ? "install" : "local",
      installArgs: [
        ...common,
        kernelArg("oci.mode", "install"),
        kernelArg("oci.hostname", machine.fqdn),
        kernelArg("oci.role", machine.role),
        kernelArg("oci.puppet", site.puppetServer),
        kernelArg("oci.environment", site.puppetEnvironment),
        kernelArg("oci.token_ref", `autosign/${machine.fqdn}`),
        kernelArg("oci.mirror", site.debianMirror),
        kernelArg("oci.release", site.debianRelease),
        ...(machine.systemDisks ? [kernelArg("oci.disks", machine.systemDisks.join(","))] : []),
        ...(machine.serial ? [kernelArg("oci.serial", machine.serial)] : []),
        kernelArg("oci.generation", String(machine.installGeneration)),
        ...(machine.ipmi ? [kernelArg("oci.ipmi", bmcLan(machine.ipmi, networks))] : []),
      ],
    };
  }
}
