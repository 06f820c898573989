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

const OID = /^[0-9a-f]{40}$/;

/** Writes a tree object; a render's folders hold up to 10,000 entries, so each is sorted and laid out once. */
export function writeTreeObject(gitdir: string, entries: readonly TreeEntry[]): string {
  const keyed = entries.map((entry) => ({ entry, key: sortKey(entry) }));
  let ordered = true;
  for (let i = 1; i < keyed.length && ordered; i++) ordered = keyed[i - 1]!.key < keyed[i]!.key;
  if (!ordered) keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let size = 0;
  for (const { entry } of keyed) {
    if (!OID.test(entry.oid) || entry.name === "" || entry.name.includes("/") || entry.name.includes("\0")) {
      throw new Error(`bad tree entry ${JSON.stringify(entry)}`);
    }
    size += (entry.kind === "tree" ? 6 : 7) + Buffer.byteLength(entry.name) + 1 + 20;
  }
  const content = Buffer.allocUnsafe(size);
  let at = 0;
  for (const { entry } of keyed) {
    at += content.write(`${entry.kind === "tree" ? "40000" : "100644"} ${entry.name}\0`, at);
    at += content.write(entry.oid, at, "hex");
  }
  return writeLooseObject(gitdir, "tree", content);
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
