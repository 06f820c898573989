import { open, realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import type { Release } from "../release/release.js";
import type { TftpResolution, TftpSource } from "./tftp-server.js";

/**
 * Where a TFTP name is looked up: the release's `pxe/` tree (pxelinux.cfg, grub, iPXE scripts),
 * then each boot directory (Debian's /usr/lib/ipxe, the live image …). Names with `..`, NUL or
 * backslashes are refused; a file reached through a symbolic link must still lie inside its
 * directory.
 */
export async function resolveTftpName(name: string, release: Release, bootDirs: readonly string[]): Promise<TftpResolution> {
  const relative = name.replace(/^\/+/, "");
  const parts = relative.split("/");
  if (relative === "" || /[\0\\]/.test(relative) || parts.some((p) => p === ".." || p === "." || p === "")) return { error: "access-violation" };
  const inRelease = release.files.get(`pxe/${relative}`);
  if (inRelease) return { source: memorySource(inRelease) };
  for (const dir of bootDirs) {
    const root = await realpath(dir).catch(() => undefined);
    if (!root) continue;
    const real = await realpath(join(root, relative)).catch(() => undefined);
    if (!real) continue;
    if (!real.startsWith(root + sep)) return { error: "access-violation" };
    const info = await stat(real);
    if (!info.isFile()) continue;
    return { source: await fileSource(real, info.size) };
  }
  return { error: "not-found" };
}

export function memorySource(buffer: Buffer): TftpSource {
  return { size: buffer.length, read: async (offset, length) => buffer.subarray(offset, offset + length), close: () => undefined };
}

async function fileSource(path: string, size: number): Promise<TftpSource> {
  const handle = await open(path, "r");
  return {
    size,
    read: async (offset, length) => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    },
    close: () => void handle.close().catch(() => undefined),
  };
}
