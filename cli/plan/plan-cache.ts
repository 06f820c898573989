import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * What `oci plan` keeps between its runs, in the repository's Git folder (never committed): the
 * verdicts of the certificates it judged reusable, each under a digest of everything it was judged
 * on, until its renew time. A 10,000-machine plan otherwise parses and verifies 10,000 certificates
 * of the rendered state on every run (3 s). A file that cannot be read or parsed is ignored: the
 * plan then judges every certificate, as it would without it.
 */
export interface PlanCache {
  readonly certificates: Readonly<Record<string, number>>;
}

const FORMAT = 1;
const fileOf = (gitdir: string) => join(gitdir, "oci", "plan-cache.json");

export function readPlanCache(gitdir: string): PlanCache | undefined {
  try {
    const data = JSON.parse(readFileSync(fileOf(gitdir), "utf8")) as { format?: unknown; certificates?: unknown };
    if (data.format !== FORMAT || !data.certificates || typeof data.certificates !== "object" || Array.isArray(data.certificates)) return undefined;
    return { certificates: data.certificates as Record<string, number> };
  } catch {
    return undefined;
  }
}

/** Replaces the cache whole (a temporary file renamed over it); a repository it cannot write to is told, not failed. */
export function writePlanCache(gitdir: string, cache: PlanCache, warn: (message: string) => void): void {
  const file = fileOf(gitdir);
  try {
    mkdirSync(join(gitdir, "oci"), { recursive: true });
    const temporary = `${file}.tmp-${process.pid}`;
    writeFileSync(temporary, `${JSON.stringify({ format: FORMAT, certificates: cache.certificates })}\n`);
    renameSync(temporary, file);
  } catch (error) {
    warn(`oci: plan: could not keep certificate verdicts for the next run in ${file}: ${(error as Error).message}`);
  }
}
