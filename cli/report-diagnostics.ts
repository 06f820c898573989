import { formatDiagnostic, type Diagnostic } from "../compiler/diagnostics/diagnostic.js";

/** Diagnostics one per line on stderr (GCC style), or as one JSON array on stdout with --json. */
export function reportDiagnostics(diagnostics: readonly Diagnostic[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(diagnostics, null, 2)}\n`);
    return;
  }
  for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  if (diagnostics.length > 0) process.stderr.write(`oci: ${plural(errors, "error")}, ${plural(warnings, "warning")}\n`);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
