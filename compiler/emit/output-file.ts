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

// The render's large JSON files (IPAM state, setup order, manifest) are written on every compile,
// and their large objects are built in key order already: only objects out of order are copied.
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = sortKeys(value[i]);
      if (item !== value[i]) (copy ??= [...value])[i] = item;
    }
    return copy ?? value;
  }
  if (!value || typeof value !== "object") return value;
  const keys = Object.keys(value);
  const record = value as Record<string, unknown>;
  let changed: Map<string, unknown> | undefined;
  for (const key of keys) {
    const item = sortKeys(record[key]);
    if (item !== record[key]) (changed ??= new Map()).set(key, item);
  }
  if (!changed && inKeyOrder(keys)) return value;
  const out: Record<string, unknown> = {};
  for (const key of sortInPlace(keys)) out[key] = changed?.has(key) ? changed.get(key) : record[key];
  return out;
}

/** Code-unit order. Insertion sort: these are a record's few keys, and Array.prototype.sort allocates for each call. */
function sortInPlace(keys: string[]): string[] {
  if (keys.length > 32) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > key; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = key;
  }
  return keys;
}

/**
 * Whether a key-sorted copy would have these keys in this order: array-index keys ("2") come first
 * in any object, ascending, and Object.keys lists them so; the others must be in code-unit order.
 */
function inKeyOrder(keys: readonly string[]): boolean {
  let i = 0;
  while (i < keys.length && isArrayIndex(keys[i]!)) i++;
  for (i++; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

function isArrayIndex(key: string): boolean {
  return /^(?:0|[1-9][0-9]*)$/.test(key) && Number(key) < 4294967295;
}

const LIST = "\u0000oci-list\u0000";

/**
 * jsonText of `value` with `key`, a top-level key, holding a list whose items are given as texts
 * (jsonListItem of each, which callers keep per item): the same bytes as jsonText of the whole, with
 * the unchanged items of a 10,000-machine list not serialized again. A text may hold several items.
 */
export function jsonTextWithList(value: Record<string, unknown>, key: string, items: readonly string[]): string {
  const text = jsonText({ ...value, [key]: LIST });
  const quoted = JSON.stringify(LIST);
  const at = text.indexOf(quoted);
  return `${text.slice(0, at)}${items.length === 0 ? "[]" : `[\n${items.join(",\n")}\n  ]`}${text.slice(at + quoted.length)}`;
}

/** An item of a top-level key's list, as jsonTextWithList takes it: its JSON text, indented for that depth. */
export function jsonListItem(item: unknown): string {
  return `    ${jsonText(item === undefined ? null : item).slice(0, -1).replaceAll("\n", "\n    ")}`;
}

export function sortFiles(files: OutputFile[]): OutputFile[] {
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export { yamlText } from "./yaml-text.js";
