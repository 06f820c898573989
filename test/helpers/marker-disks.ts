// Disks that prove a VM booted them: each writes a marker line to the serial console and stops.
// What an installed machine's disk is to the boot path, without installing one.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runTool } from "./run-tool.js";

/**
 * A raw disk image whose MBR writes `marker` to COM1 (port 0x3f8) and halts: what BIOS, or
 * iPXE's `sanboot --drive 0x80`, runs when it boots the first hard disk.
 */
export async function biosMarkerDisk(path: string, marker: string): Promise<void> {
  const text = Buffer.from(`${marker}\r\n\0`, "ascii");
  // 16-bit real mode, loaded at 0x7c00:
  //   cli; xor ax,ax; mov ds,ax; mov si,msg; mov dx,0x3f8
  //   next: lodsb; test al,al; jz done; out dx,al; jmp next
  //   done: hlt; jmp done
  //   msg: (the marker)
  const code = [0xfa, 0x31, 0xc0, 0x8e, 0xd8, 0xbe, 0x16, 0x7c, 0xba, 0xf8, 0x03, 0xac, 0x84, 0xc0, 0x74, 0x03, 0xee, 0xeb, 0xf8, 0xf4, 0xeb, 0xfd];
  if (code.length + text.length > 446) throw new Error(`marker too long for a boot sector: ${marker}`);
  const disk = Buffer.alloc(1024 * 1024);
  Buffer.from(code).copy(disk, 0);
  text.copy(disk, code.length);
  disk[510] = 0x55;
  disk[511] = 0xaa;
  await writeFile(path, disk);
}

/**
 * A directory for qemu's virtual FAT disk (`-drive file=fat:DIR,format=raw`) holding the
 * removable-media boot path UEFI firmware tries, EFI/BOOT/BOOTX64.EFI: a standalone GRUB whose
 * embedded configuration prints `marker` on the firmware's console (the serial port under qemu).
 */
export async function uefiMarkerDir(dir: string, marker: string): Promise<void> {
  const boot = join(dir, "EFI/BOOT");
  await mkdir(boot, { recursive: true });
  const config = join(dir, "marker-grub.cfg"); // GRUB embeds it; on the disk it is only a stray file
  await writeFile(config, `echo "${marker}"\nsleep 3600\n`);
  const built = await runTool("grub-mkstandalone", ["-O", "x86_64-efi", "-o", join(boot, "BOOTX64.EFI"),
    "--install-modules=normal echo sleep configfile", "--locales=", "--fonts=", "--themes=", `boot/grub/grub.cfg=${config}`]);
  if (built.code !== 0) throw new Error(`grub-mkstandalone: ${built.output}`);
}
