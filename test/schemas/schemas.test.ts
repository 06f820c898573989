import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { describe, it } from "node:test";
import { readSchema } from "../../compiler/validate/schema-registry.js";

type Schema = Record<string, unknown>;

/** Visits every subschema with the JSON pointer that reaches it. */
function walk(schema: unknown, pointer: string, visit: (s: Schema, pointer: string) => void): void {
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return;
  const s = schema as Schema;
  visit(s, pointer);
  for (const key of ["properties", "$defs"]) {
    const children = s[key] as Record<string, unknown> | undefined;
    for (const [name, child] of Object.entries(children ?? {})) walk(child, `${pointer}/${key}/${name}`, visit);
  }
  if (s.items) walk(s.items, `${pointer}/items`, visit);
  for (const key of ["anyOf", "oneOf", "allOf"]) (s[key] as unknown[] | undefined)?.forEach((c, i) => walk(c, `${pointer}/${key}/${i}`, visit));
}

const files = readdirSync(new URL("../../../schemas/", import.meta.url)).filter((f) => f.endsWith(".schema.json"));

describe("schemas are the reference documentation", () => {
  it("are draft 2020-12 with an $id", () => {
    assert.ok(files.length >= 7);
    for (const file of files) {
      const schema = readSchema(file);
      assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema", file);
      assert.ok(schema.$id, file);
    }
  });

  for (const file of files) {
    it(`${file}: every field has a description and every object is closed`, () => {
      walk(readSchema(file), "", (s, pointer) => {
        const isField = /\/properties\/[^/]+$/.test(pointer) || /\/\$defs\/[^/]+$/.test(pointer);
        if (isField) assert.ok(typeof s.description === "string" || typeof s.$ref === "string", `${file}#${pointer} has no description`);
        if (s.type === "object") assert.equal(s.additionalProperties, false, `${file}#${pointer} allows unknown keys`);
      });
    });
  }
});
