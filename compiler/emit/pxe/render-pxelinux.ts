import { normalizeMac, pxeClientId } from "../../net/mac.js";
import type { KeyedMemo } from "../../memo/keyed-memo.js";
import { formatKernelArgs, LIVE_IMAGE, type BootHostIR, type KernelArg } from "../../resolve/boot-plan.js";
import type { SiteIR } from "../../resolve/site-ir.js";
import type { OutputFile } from "../output-file.js";

/** pxe/pxelinux.cfg/01-<mac>, default and localboot, for legacy PXE clients that cannot run iPXE (kernel and initrd over TFTP). */
export function renderPxelinux(ir: SiteIR, memo?: KeyedMemo<BootHostIR, OutputFile[]>): OutputFile[] {
  const plan = ir.boot;
  const files: OutputFile[] = [
    { path: "pxe/pxelinux.cfg/default", content: liveEntry("discovery", plan.discoveryArgs) },
    // Never asked for by name: oci serve answers it for a machine's own file once the machine is installed.
    { path: "pxe/pxelinux.cfg/localboot", content: LOCAL_BOOT },
  ];
  const hostFiles = (host: BootHostIR): OutputFile[] => {
    const content = host.action === "install" ? liveEntry("install", host.installArgs) : LOCAL_BOOT;
    return host.macs.map((mac) => ({ path: `pxe/pxelinux.cfg/${pxeClientId(normalizeMac(mac))}`, content }));
  };
  for (const host of plan.hosts) files.push(...(memo ? memo.get(host, [], () => hostFiles(host)) : hostFiles(host)));
  return files;
}

const LOCAL_BOOT = "DEFAULT local\nLABEL local\n  LOCALBOOT 0\n";

function liveEntry(label: string, args: readonly KernelArg[]): string {
  return `DEFAULT ${label}\nLABEL ${label}\n  KERNEL ${LIVE_IMAGE.kernel}\n  APPEND initrd=${LIVE_IMAGE.initrd} ${formatKernelArgs(args)}\n`;
}
