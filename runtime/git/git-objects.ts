import { writeLooseObject } from "./loose-object.js";

// Tree and commit objects written by us rather than isomorphic-git, whose writeTree/writeCommit
// write the object file in place: a kill -9 mid-write leaves a truncated object under its id, which
// every later write then skips as present. writeLooseObject renames a complete file into place.

export interface TreeEntry {
  readonly name: string;
  readonly oid: string;
  readonly kind: "blob" | "tree";
}

/** Git orders tree entries by name, comparing a subtree's name as if it ended in "/". */
function sortKey(entry: TreeEntry): string {
  return entry.kind === "tree" ? `${entry.name}/` : entry.name;
}

export function writeTreeObject(gitdir: string, entries: readonly TreeEntry[]): string {
  const sorted = [...entries].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
  const parts: Buffer[] = [];
  for (const entry of sorted) {
    if (!/^[0-9a-f]{40}$/.test(entry.oid) || entry.name === "" || entry.name.includes("/") || entry.name.includes("\0")) {
      throw new Error(`bad tree entry ${JSON.stringify(entry)}`);
    }
    parts.push(Buffer.from(`${entry.kind === "tree" ? "40000" : "100644"} ${entry.name}\0`), Buffer.from(entry.oid, "hex"));
  }
  return writeLooseObject(gitdir, "tree", Buffer.concat(parts));
}

export interface Signature {
  readonly name: string;
  readonly email: string;
  /** Seconds since the epoch. */
  readonly timestamp: number;
  /** Minutes, with isomorphic-git's sign (JavaScript's getTimezoneOffset): 120 is "-0200". */
  readonly timezoneOffset: number;
}

export interface CommitObject {
  readonly tree: string;
  readonly parents: readonly string[];
  readonly author: Signature;
  readonly committer: Signature;
  readonly message: string;
}

function formatSignature(s: Signature): string {
  if (/[<>\n]/.test(s.name + s.email)) throw new Error(`bad signature ${JSON.stringify(s)}`);
  const minutes = Math.abs(s.timezoneOffset);
  const zone = `${s.timezoneOffset > 0 ? "-" : "+"}${String(Math.floor(minutes / 60)).padStart(2, "0")}${String(minutes % 60).padStart(2, "0")}`;
  return `${s.name} <${s.email}> ${s.timestamp} ${zone}`;
}

export function writeCommitObject(gitdir: string, commit: CommitObject): string {
  const lines = [`tree ${commit.tree}`, ...commit.parents.map((p) => `parent ${p}`), `author ${formatSignature(commit.author)}`, `committer ${formatSignature(commit.committer)}`];
  return writeLooseObject(gitdir, "commit", Buffer.from(`${lines.join("\n")}\n\n${commit.message}`, "utf8"));
}
