import type { DiagnosticCode } from "./codes.js";

export type Severity = "error" | "warning";

export interface SourcePosition {
  /** Path relative to the site root, with `/` separators. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
}

export interface Diagnostic extends SourcePosition {
  readonly severity: Severity;
  readonly code: DiagnosticCode;
  readonly message: string;
  /** What to do about it, when that is not obvious from the message. */
  readonly hint?: string;
}

/** GCC style, so editors and CI problem matchers annotate the line; the hint follows as a `note`. */
export function formatDiagnostic(d: Diagnostic): string {
  const head = `${d.file}:${d.line}:${d.col}: ${d.severity} ${d.code}: ${d.message}`;
  return d.hint === undefined ? head : `${head}\n${d.file}:${d.line}:${d.col}: note: ${d.hint}`;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    compareText(a.file, b.file) || a.line - b.line || a.col - b.col || compareText(a.code, b.code) || compareText(a.message, b.message)
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Collects diagnostics from every stage; a compile reports them all at once. */
export class DiagnosticBag {
  readonly #items: Diagnostic[] = [];

  add(d: Diagnostic): void {
    this.#items.push(d);
  }

  error(code: DiagnosticCode, at: SourcePosition, message: string, hint?: string): void {
    this.add(withHint({ severity: "error", code, file: at.file, line: at.line, col: at.col, message }, hint));
  }

  warning(code: DiagnosticCode, at: SourcePosition, message: string, hint?: string): void {
    this.add(withHint({ severity: "warning", code, file: at.file, line: at.line, col: at.col, message }, hint));
  }

  get hasErrors(): boolean {
    return hasErrors(this.#items);
  }

  sorted(): Diagnostic[] {
    return [...this.#items].sort(compareDiagnostics);
  }
}

function withHint(d: Diagnostic, hint: string | undefined): Diagnostic {
  return hint === undefined ? d : { ...d, hint };
}
