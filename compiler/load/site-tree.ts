/** A read-only tree of files: a directory on disk or, through the same interface, a Git commit. */
export interface SiteTree {
  /** Every regular file, as `/`-separated paths relative to the root, sorted. Hidden entries are left out. */
  listFiles(): Promise<string[]>;
  readFile(path: string): Promise<string>;
  /** The file's Git blob id, when the tree knows it without reading the file (a commit's tree does). */
  contentId?(path: string): string | undefined;
  /** Entries that are not regular files or directories (symbolic links, submodules, devices), which the site never follows. */
  listUnfollowed(): Promise<UnfollowedEntry[]>;
}

export interface UnfollowedEntry {
  readonly path: string;
  readonly kind: "symbolic link" | "submodule" | "special file";
}

/** An in-memory tree; used for generated sites and tests. */
export class MemoryTree implements SiteTree {
  readonly #files: ReadonlyMap<string, string>;

  constructor(files: Iterable<readonly [string, string]>) {
    this.#files = new Map(files);
  }

  async listFiles(): Promise<string[]> {
    return [...this.#files.keys()].filter((p) => !p.split("/").some((part) => part.startsWith("."))).sort();
  }

  async readFile(path: string): Promise<string> {
    const text = this.#files.get(path);
    if (text === undefined) throw new Error(`no such file in tree: ${path}`);
    return text;
  }

  async listUnfollowed(): Promise<UnfollowedEntry[]> {
    return [];
  }
}
