import { normalizeMac, pxeClientId } from "../../net/mac.js";
import { formatKernelArgs, LIVE_IMAGE, type KernelArg } from "../../resolve/boot-plan.js";
import type { SiteIR } from "../../resolve/site-ir.js";
import type { OutputFile } from "../output-file.js";

/** pxe/pxelinux.cfg/01-<mac> and default, for legacy PXE clients that cannot run iPXE (kernel and initrd over TFTP). */
export function renderPxelinux(ir: SiteIR): OutputFile[] {
  const plan = ir.boot;
  const files: OutputFile[] = [{ path: "pxe/pxelinux.cfg/default", content: liveEntry("discovery", plan.discoveryArgs) }];
  for (const host of plan.hosts) {
    const content = host.action === "install" ? liveEntry("install", host.installArgs) : "DEFAULT local\nLABEL local\n  LOCALBOOT 0\n";
    for (const mac of host.macs) files.push({ path: `pxe/pxelinux.cfg/${pxeClientId(normalizeMac(mac))}`, content });
  }
  return files;
}

function liveEntry(label: string, args: readonly KernelArg[]): string {
  return `DEFAULT ${label}\nLABEL ${label}\n  KERNEL ${LIVE_IMAGE.kernel}\n  APPEND initrd=${LIVE_IMAGE.initrd} ${formatKernelArgs(args)}\n`;
}
