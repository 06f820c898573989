import { formatDiagnostic, type Diagnostic } from "../../compiler/diagnostics/diagnostic.js";

/** How many diagnostics a refusal keeps; the count of the others follows them. */
export const REFUSAL_DIAGNOSTICS = 5;

/**
 * The reason a source commit was refused, root causes first: a file that does not parse (OCI10xx)
 * makes errors elsewhere (an unknown network, say), so load and YAML errors come before schema
 * errors (OCI11xx), which come before the rules' errors; within a rank, by file and position.
 */
export function refusalReason(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === "error");
  const rank = (d: Diagnostic) => (d.code.startsWith("OCI10") ? 0 : d.code.startsWith("OCI11") ? 1 : 2);
  const ordered = [...errors].sort((a, b) => rank(a) - rank(b) || compare(a.file, b.file) || a.line - b.line || a.col - b.col);
  const kept = ordered.slice(0, REFUSAL_DIAGNOSTICS).map((d) => formatDiagnostic(d).split("\n")[0]);
  const more = errors.length - kept.length;
  return `${errors.length} error(s): ${kept.join("; ")}${more > 0 ? ` (and ${more} more: oci validate shows them all)` : ""}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
