/** One file of a render. Emitters return these; one shared writer puts them on disk or in a Git tree. */
export interface OutputFile {
  /** `/`-separated, relative to the render root. */
  readonly path: string;
  readonly content: string;
}

/** JSON with sorted keys, two-space indent, final newline: same data, same bytes. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

export function sortFiles(files: OutputFile[]): OutputFile[] {
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export { yamlText } from "./yaml-text.js";
