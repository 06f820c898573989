import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * What this oci is: a digest of node's version and of the code a plan runs (every .js of the cli,
 * compiler and runtime folders). A warm plan process serves only clients of the same build: after an
 * upgrade or a rebuild the next plan starts a new one, and the old one ends when idle.
 */
export function buildId(): string {
  const hash = createHash("sha256").update(`${process.version}\0${root}\0`);
  for (const folder of ["cli", "compiler", "runtime"]) {
    for (const file of jsFiles(join(root, folder))) hash.update(`${file}\0`).update(readFileSync(file));
  }
  return hash.digest("hex");
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith(".js") ? [join(dir, e.name)] : []));
}
