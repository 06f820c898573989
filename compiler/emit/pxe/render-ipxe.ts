import type { KeyedMemo } from "../../memo/keyed-memo.js";
import { formatKernelArgs, LIVE_IMAGE, type BootHostIR, type BootPlanIR, type KernelArg } from "../../resolve/boot-plan.js";
import type { SiteIR } from "../../resolve/site-ir.js";
import type { OutputFile } from "../output-file.js";

/** A MAC as it appears in per-client file names and iPXE's `${mac:hexhyp}`: `52-54-00-ab-cd-ef`. */
export function macFileName(mac: string): string {
  return mac.replace(/:/g, "-");
}

/**
 * pxe/boot.ipxe (what DHCP sends iPXE to), pxe/ipxe/<mac>.ipxe per known boot MAC, and the two
 * shared scripts: default.ipxe (discovery, for unknown MACs) and localboot.ipxe (once installed).
 */
export function renderIpxe(ir: SiteIR, memo?: KeyedMemo<BootHostIR, OutputFile[]>): OutputFile[] {
  const plan = ir.boot;
  const files: OutputFile[] = [
    {
      path: "pxe/boot.ipxe",
      content: script([
        `# Chain to this machine's own script; the server answers unknown MACs with discovery.`,
        `chain --autofree ${plan.httpBase}/ipxe/\${mac:hexhyp}?serial=\${serial:uristring}&uuid=\${uuid:uristring} && exit ||`,
        // The local-boot script hands the machine back to its firmware with an error: so does this one.
        `isset \${${LOCAL_BOOT_SETTING}} && exit 1 ||`,
        "echo oci: could not fetch this machine's boot script; retrying in 10 seconds",
        "sleep 10",
        `chain --autofree ${plan.httpBase}/boot.ipxe`,
      ]),
    },
    { path: "pxe/ipxe/default.ipxe", content: script(["# Unknown machine: boot the discovery image.", ...liveBoot(plan, plan.discoveryArgs)]) },
    { path: "pxe/ipxe/localboot.ipxe", content: script(localBoot()) },
  ];
  const hostFiles = (host: BootHostIR): OutputFile[] => {
    const body = host.action === "install"
      ? [`# ${host.fqdn}: install Debian.`, ...liveBoot(plan, host.installArgs)]
      : [`# ${host.fqdn}: boot from the local disk.`, ...localBoot()];
    const content = script(body);
    return host.macs.map((mac) => ({ path: `pxe/ipxe/${macFileName(mac)}.ipxe`, content }));
  };
  for (const host of plan.hosts) files.push(...(memo ? memo.get(host, [plan.httpBase], () => hostFiles(host)) : hostFiles(host)));
  return files;
}

function script(lines: readonly string[]): string {
  return `#!ipxe\n${lines.join("\n")}\n`;
}

// iPXE drops the kernel's own name for the initrd; `initrd=` must name what `initrd --name` loaded.
function liveBoot(plan: BootPlanIR, args: readonly KernelArg[]): string[] {
  return [
    `kernel ${plan.httpBase}/${LIVE_IMAGE.kernel} initrd=initrd.img ${formatKernelArgs(args)}`,
    `initrd --name initrd.img ${plan.httpBase}/${LIVE_IMAGE.initrd}`,
    "boot",
  ];
}

/** Set by the local-boot script, so that boot.ipxe, which chained it, does not take its exit for a failed fetch. */
const LOCAL_BOOT_SETTING = "oci-localboot";

function localBoot(): string[] {
  return [
    // BIOS: boot the first hard disk without registering it as a SAN device.
    "iseq ${platform} efi || sanboot --no-describe --drive 0x80 ||",
    // UEFI (or no disk 0x80): back to the firmware, which boots the next entry of its boot order.
    // With an error: UEFI firmware stops at its boot menu when a boot option returns success.
    `set ${LOCAL_BOOT_SETTING} 1`,
    "exit 1",
  ];
}
