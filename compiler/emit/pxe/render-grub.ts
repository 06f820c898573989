import { normalizeMac, pxeClientId } from "../../net/mac.js";
import type { KeyedMemo } from "../../memo/keyed-memo.js";
import { formatKernelArgs, LIVE_IMAGE, type BootHostIR, type KernelArg } from "../../resolve/boot-plan.js";
import type { SiteIR } from "../../resolve/site-ir.js";
import type { OutputFile } from "../output-file.js";

/** pxe/grub/grub.cfg-01-<mac>, grub.cfg and grub.cfg-localboot: UEFI GRUB netboot looks for the per-MAC file first. */
export function renderGrub(ir: SiteIR, memo?: KeyedMemo<BootHostIR, OutputFile[]>): OutputFile[] {
  const plan = ir.boot;
  const files: OutputFile[] = [
    { path: "pxe/grub/grub.cfg", content: liveEntry("oci discovery", plan.discoveryArgs) },
    // Never asked for by name: oci serve answers it for a machine's own file once the machine is installed.
    { path: "pxe/grub/grub.cfg-localboot", content: LOCAL_BOOT },
  ];
  const hostFiles = (host: BootHostIR): OutputFile[] => {
    const content = host.action === "install" ? liveEntry(`oci install ${host.fqdn}`, host.installArgs) : LOCAL_BOOT;
    return host.macs.map((mac) => ({ path: `pxe/grub/grub.cfg-${pxeClientId(normalizeMac(mac))}`, content }));
  };
  for (const host of plan.hosts) files.push(...(memo ? memo.get(host, [], () => hostFiles(host)) : hostFiles(host)));
  return files;
}

// The installer puts GRUB on the removable-media path of every system disk's ESP: chainload the first
// one found (`search` looks at disks, not at the network the config came from).
const LOCAL_BOOT = [
  "set timeout=0",
  "menuentry \"local disk\" {",
  "  search --no-floppy --file --set=root /EFI/BOOT/BOOTX64.EFI",
  "  chainloader /EFI/BOOT/BOOTX64.EFI",
  "}",
  "",
].join("\n");

// The menu title is from schema-checked names only (FQDN, fixed words): no quote can end it early.
function liveEntry(title: string, args: readonly KernelArg[]): string {
  return `set timeout=0\nmenuentry "${title}" {\n  linux /${LIVE_IMAGE.kernel} ${formatKernelArgs(args)}\n  initrd /${LIVE_IMAGE.initrd}\n}\n`;
}
