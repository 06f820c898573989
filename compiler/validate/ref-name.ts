/**
 * Why `name` is not a branch name git accepts (git check-ref-format --branch), or undefined when it
 * is. The schema's pattern already limits the characters; these are git's structural rules.
 */
export function branchNameProblem(name: string): string | undefined {
  if (name.includes("..")) return 'it contains ".."';
  if (name.includes("//")) return 'it contains "//"';
  if (name.endsWith("/") || name.endsWith(".")) return `it ends with "${name.at(-1)}"`;
  if (name.split("/").some((part) => part.startsWith("."))) return 'a component starts with "."';
  if (name.split("/").some((part) => part.endsWith(".lock"))) return 'a component ends with ".lock"';
  if (name === "HEAD") return "HEAD is not a branch";
  return undefined;
}
