import type { SiteTree, UnfollowedEntry } from "./site-tree.js";

/**
 * A site tree with files laid over it from elsewhere (the inventory branch's discovered machines,
 * for `oci assign` in a work tree): a path the base tree has keeps the base's file.
 */
export class OverlayTree implements SiteTree {
  #own: Promise<ReadonlySet<string>> | undefined;

  constructor(private readonly base: SiteTree, private readonly extra: ReadonlyMap<string, string>) {}

  #baseFiles(): Promise<ReadonlySet<string>> {
    return (this.#own ??= this.base.listFiles().then((files) => new Set(files)));
  }

  async listFiles(): Promise<string[]> {
    return [...new Set([...(await this.#baseFiles()), ...this.extra.keys()])].sort();
  }

  async readFile(path: string): Promise<string> {
    if (!(await this.#baseFiles()).has(path) && this.extra.has(path)) return this.extra.get(path)!;
    return this.base.readFile(path);
  }

  listUnfollowed(): Promise<UnfollowedEntry[]> {
    return this.base.listUnfollowed();
  }
}
