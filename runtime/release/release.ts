import { createHash } from "node:crypto";
import { MANIFEST_PATH } from "../../compiler/emit/manifest/render-manifest.js";
import type { DhcpRelease } from "../dhcp/dhcp-policy.js";
import { RESERVATIONS_PATH } from "../../compiler/emit/dhcp/render-reservations.js";
import type { SiteTree } from "../../compiler/load/site-tree.js";
import { FILE_CONCURRENCY, mapWithLimit } from "../../compiler/async/map-with-limit.js";
import { DirectoryTree } from "../../compiler/load/directory-tree.js";

/** A render held in memory: what every protocol server answers from. Swapped whole, never edited. */
export interface Release {
  /** Where it came from: a directory, or `<branch>@<commit>`. */
  readonly id: string;
  readonly files: ReadonlyMap<string, Buffer>;
  readonly dhcp: DhcpRelease;
}

export class ReleaseError extends Error {
  readonly code = "OCI3301";
  constructor(readonly source: string, detail: string) {
    super(`release ${source} is not usable: ${detail}`);
    this.name = "ReleaseError";
  }
}

/** Reads every file of a render (directory or Git tree) and checks it carries what the servers need. */
export async function loadRelease(tree: SiteTree, id: string): Promise<Release> {
  const paths = await tree.listFiles();
  const contents = await mapWithLimit(paths, FILE_CONCURRENCY, async (path) => [path, Buffer.from(await tree.readFile(path), "utf8")] as const);
  return releaseFromFiles(new Map(contents), id);
}

/** A release from files already in memory (the render this process just committed), checked the same way. */
export function releaseFromFiles(files: ReadonlyMap<string, Buffer>, id: string): Release {
  verifyManifest(id, files);
  return releaseFromCheckedFiles(files, id);
}

/** A release from files already checked against their manifest (by the render worker, which read or made them). */
export function releaseFromCheckedFiles(files: ReadonlyMap<string, Buffer>, id: string): Release {
  const reservations = files.get(RESERVATIONS_PATH);
  if (!reservations) throw new ReleaseError(id, `no ${RESERVATIONS_PATH}`);
  let dhcp: DhcpRelease;
  try {
    dhcp = JSON.parse(reservations.toString("utf8")) as DhcpRelease;
  } catch (error) {
    throw new ReleaseError(id, `${RESERVATIONS_PATH}: ${(error as Error).message}`);
  }
  return { id, files, dhcp };
}

/**
 * A render is whole when manifest.json lists exactly its other files and each one's sha256 matches:
 * a hand-edited, truncated or partly copied render is refused, never half served.
 */
function verifyManifest(id: string, files: ReadonlyMap<string, Buffer>): void {
  const manifest = files.get(MANIFEST_PATH);
  if (!manifest) throw new ReleaseError(id, `no ${MANIFEST_PATH}`);
  let listed: Record<string, unknown>;
  try {
    listed = (JSON.parse(manifest.toString("utf8")) as { files: Record<string, unknown> }).files;
    if (!listed || typeof listed !== "object") throw new Error("no files map");
  } catch (error) {
    throw new ReleaseError(id, `${MANIFEST_PATH}: ${(error as Error).message}`);
  }
  const problems: string[] = [];
  for (const [path, hash] of Object.entries(listed)) {
    const content = files.get(path);
    if (!content) problems.push(`${path} is missing`);
    else if (createHash("sha256").update(content).digest("hex") !== hash) problems.push(`${path} does not match its hash`);
  }
  for (const path of files.keys()) if (path !== MANIFEST_PATH && !(path in listed)) problems.push(`${path} is not in the manifest`);
  if (problems.length > 0) throw new ReleaseError(id, `${problems.slice(0, 5).join("; ")}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ""}`);
}

/** What is served before any release could be loaded: no reservation, no subnet, so DHCP answers nobody. */
export const EMPTY_RELEASE: Release = {
  id: "(none)",
  files: new Map(),
  dhcp: { server: "0.0.0.0", domain: "invalid", dnsServers: [], boot: { ipxeScriptUrl: "", bios: "", uefi: "", uefiArches: [] }, subnets: [], reservations: [] },
};

export function loadReleaseDirectory(directory: string): Promise<Release> {
  return loadRelease(new DirectoryTree(directory), directory);
}


