import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jsonListItem, jsonText, jsonTextWithList } from "../../../compiler/emit/output-file.js";

/** What jsonText promises, the slow way: sort every object's keys into a copy, then JSON.stringify. */
function sortedCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedCopy);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortedCopy((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

describe("jsonText", () => {
  it("writes what JSON.stringify writes of the key-sorted value, over 2,000 random values", () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (Math.imul(seed, 48271) + 1) % 2147483647;
      return Math.abs(seed) % n;
    };
    const strings = ["", "a", "B", "é", "line\nbreak", "quote\"", "back\\slash", "\u0001", "10.0.0.1", "ключ", "😀"];
    const make = (depth: number): unknown => {
      switch (random(depth > 3 ? 6 : 9)) {
        case 0: return null;
        case 1: return [0, -0, 1.5, -3, 1e21, Number.NaN, Number.POSITIVE_INFINITY][random(7)];
        case 2: return random(2) === 0;
        case 3: return strings[random(strings.length)];
        case 4: return undefined;
        case 5: return 42;
        case 6: return Array.from({ length: random(4) }, () => make(depth + 1));
        default: return Object.fromEntries(Array.from({ length: random(5) }, () => [strings[random(strings.length)]! + random(3), make(depth + 1)]));
      }
    };
    for (let i = 0; i < 2_000; i++) {
      const value = make(0);
      assert.equal(jsonText(value), `${JSON.stringify(sortedCopy(value), null, 2)}\n`, JSON.stringify(value));
    }
    // A top-level list given as item texts (one text may hold several items) gives the same bytes as the whole.
    for (let i = 0; i < 500; i++) {
      const head = Object.fromEntries(Array.from({ length: random(4) }, () => [strings[random(strings.length)]! + random(3), make(1)]));
      const key = ["machines", "a", "zz", "reservations"][random(4)]!;
      const items = Array.from({ length: random(4) }, () => make(1));
      const texts = items.map(jsonListItem);
      const grouped = texts.length > 1 && random(2) === 0 ? [texts.slice(0, 2).join(",\n"), ...texts.slice(2)] : texts;
      assert.equal(jsonTextWithList(head, key, grouped), jsonText({ ...head, [key]: items }), JSON.stringify({ head, key, items }));
    }
  });
});
