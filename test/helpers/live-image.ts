import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "./paths.js";
import { runTool } from "./run-tool.js";

/** Everything the live image is built from: a change to any of them builds a new image. */
const INPUTS = ["live-image/build", "live-image/agent", "live-image/installer", "puppet/modules/oci/files/oci-puppet-running"];

async function filesUnder(path: string): Promise<string[]> {
  const full = join(repoRoot, path);
  if (!(await readdir(full).catch(() => undefined))) return [path];
  const entries = await readdir(full, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(repoRoot.length)).sort();
}

/**
 * The real live image (live-image/build/build.sh: Debian live-build, about 5-8 minutes), built once
 * per content of its inputs and kept under `cache` (default /var/cache/oci-e2e), so a rerun with
 * the same installer boots at once. OCI_E2E_IMAGE names an image to use instead.
 */
export async function liveImage(log: (line: string) => void, cache = process.env["OCI_E2E_CACHE"] ?? "/var/cache/oci-e2e"): Promise<string> {
  if (process.env["OCI_E2E_IMAGE"]) return process.env["OCI_E2E_IMAGE"];
  const hash = createHash("sha256");
  for (const path of (await Promise.all(INPUTS.map(filesUnder))).flat()) hash.update(`${path}\0`).update(await readFile(join(repoRoot, path))).update("\0");
  const dir = join(cache, `live-${hash.digest("hex").slice(0, 16)}`);
  if (existsSync(join(dir, "filesystem.squashfs"))) return dir;
  await mkdir(cache, { recursive: true });
  const staging = `${dir}.building`;
  await rm(staging, { recursive: true, force: true });
  log(`building the live image into ${dir} (live-build, several minutes)`);
  const built = await runTool("sh", [join(repoRoot, "live-image/build/build.sh"), staging], { timeout: 1_800_000 });
  if (built.code !== 0) throw new Error(`live image build failed:\n${built.output.slice(-4000)}`);
  await rename(staging, dir);
  return dir;
}
