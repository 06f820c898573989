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
  const files = new Map(contents);
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

export function loadReleaseDirectory(directory: string): Promise<Release> {
  return loadRelease(new DirectoryTree(directory), directory);
}


