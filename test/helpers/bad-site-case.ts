import { cp, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { fixtures } from "./paths.js";
import { tempDir } from "./temp-dirs.js";

/**
 * A bad-site case is the base site with the files of `<case>/site/` laid over it and the paths
 * listed in `<case>/deleted.txt` removed; `<case>/expected.txt` lists the diagnostics it must give.
 */
export async function materializeCase(name: string): Promise<string> {
  const dir = await tempDir(`oci-case-${name}-`);
  const caseDir = join(fixtures, "bad-sites", name);
  await cp(join(fixtures, "base-site"), dir, { recursive: true });
  await cp(join(caseDir, "site"), dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
  const deleted = await readFile(join(caseDir, "deleted.txt"), "utf8").catch(() => "");
  for (const path of deleted.split("\n").filter(Boolean)) await rm(join(dir, path));
  return dir;
}

export async function expectedDiagnostics(name: string): Promise<string[]> {
  const text = await readFile(join(fixtures, "bad-sites", name, "expected.txt"), "utf8");
  return text.split("\n").filter(Boolean);
}
