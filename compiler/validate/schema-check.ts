import type { ErrorObject } from "ajv/dist/2020.js";
import { isMap, isScalar } from "yaml";
import { Code } from "../diagnostics/codes.js";
import type { DiagnosticBag } from "../diagnostics/diagnostic.js";
import type { LoadedFile } from "../load/load-site.js";
import { KINDS, type Kind } from "../load/site-layout.js";
import type { DocumentPath, SourceFile } from "../load/source-file.js";
import { validatorFor } from "./schema-registry.js";
import { checkUnsafeText } from "./unsafe-text.js";
import { closestNames } from "../diagnostics/closest-names.js";

/**
 * Checks one file against the schema of the kind its place in the tree calls for.
 * Returns the plain value when it conforms; every problem found is reported.
 */
export function checkFileSchema(file: LoadedFile, diagnostics: DiagnosticBag, onRejected?: (value: unknown, badPaths: readonly string[]) => void): unknown | undefined {
  const { source, place } = file;
  if (!isMap(source.document.contents)) {
    diagnostics.error(Code.NotAMapping, source.start(), `a ${place.kind} file must hold a mapping (key: value lines)`, `start with \`apiVersion: oci/v1\` and \`kind: ${place.kind}\``);
    return undefined;
  }
  let value: unknown;
  try {
    value = source.document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // yaml's guard against alias bombs (billion laughs) throws; this file is refused, the others go on.
    diagnostics.error(Code.TooManyAliases, source.start(), `the file expands too many YAML aliases: ${(error as Error).message}`,
      "site files need no aliases (*name): write the values out");
    return undefined;
  }
  const record = value as Record<string, unknown>;
  // A file of another kind would fail every rule of this kind's schema: one error says it all.
  if (!checkHeader(source, place.kind, record, diagnostics)) return undefined;
  let ok = checkUnsafeText(source, diagnostics);
  const validate = validatorFor(place.kind);
  if (!validate(value)) {
    for (const error of relevantErrors(validate.errors ?? [])) {
      ok = false;
      reportSchemaError(source, place.kind, error, diagnostics);
    }
  }
  if (!ok) onRejected?.(value, (validate.errors ?? []).map((e) => e.instancePath));
  return ok ? value : undefined;
}

function checkHeader(source: SourceFile, expected: Kind, value: Record<string, unknown>, diagnostics: DiagnosticBag): boolean {
  let ok = true;
  const kind = value["kind"];
  if (kind === undefined) {
    ok = false;
    diagnostics.error(Code.MissingKey, source.start(), 'missing required key "kind"', `this file's place holds a ${expected}: add \`kind: ${expected}\``);
  } else if (typeof kind !== "string" || !(KINDS as readonly string[]).includes(kind)) {
    ok = false;
    diagnostics.error(Code.UnknownKind, source.valueAt(["kind"]), `unknown kind ${JSON.stringify(kind)}`, `the kinds are ${KINDS.join(", ")}`);
  } else if (kind !== expected) {
    ok = false;
    diagnostics.error(Code.KindInWrongFolder, source.valueAt(["kind"]), `a ${kind} in a place that holds ${expected} files`, `move the file to where ${kind} files live, or fix its kind`);
  }
  const apiVersion = value["apiVersion"];
  if (apiVersion === undefined) {
    ok = false;
    diagnostics.error(Code.MissingKey, source.start(), 'missing required key "apiVersion"', "add `apiVersion: oci/v1`");
  } else if (apiVersion !== "oci/v1") {
    ok = false;
    diagnostics.error(Code.WrongApiVersion, source.valueAt(["apiVersion"]), `unsupported apiVersion ${JSON.stringify(apiVersion)}`, "this oci reads `apiVersion: oci/v1`");
  }
  return ok;
}

/**
 * Where a value failed an anyOf, the per-branch errors are noise: the anyOf error alone is reported.
 * A failed if/then is reported by the `then` branch's own error (a missing key); the "if" error repeats it.
 */
function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
  const anyOfAt = new Set(errors.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
  return errors.filter((e) => e.keyword !== "if" && (e.keyword === "anyOf" || !anyOfAt.has(e.instancePath)));
}

function reportSchemaError(source: SourceFile, kind: Kind, error: ErrorObject, diagnostics: DiagnosticBag): void {
  const path = toDocumentPath(error.instancePath);
  const where = displayPath(path);
  const parent = (error.parentSchema ?? {}) as { description?: string; properties?: Record<string, { description?: string }> };
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(error.params.additionalProperty);
      const allowed = Object.keys(parent.properties ?? {});
      const near = closest(key, allowed);
      const hint = key === "<<"
        ? `YAML merge keys (<<) are not read in site files: write the keys out; allowed keys here: ${allowed.join(", ")}`
        : near ? `did you mean "${near}"?` : `allowed keys here: ${allowed.join(", ")}`;
      diagnostics.error(Code.UnknownKey, source.keyAt(path, key), `unknown key "${key}" in ${where === "" ? kind : where}`, hint);
      return;
    }
    case "required": {
      const key = String(error.params.missingProperty);
      const description = parent.properties?.[key]?.description;
      diagnostics.error(Code.MissingKey, source.valueAt(path), `missing required key "${key}"${where === "" ? "" : ` in ${where}`}`, description);
      return;
    }
    case "type": {
      const actual = source.document.getIn(path);
      const expected = String(error.params.type);
      // The hint quotes what the file says: YAML read 00123456 as 123456 and 12E45 as 1.2e+46.
      const node = source.document.getIn(path, true);
      const written = isScalar(node) && typeof node.source === "string" ? node.source : String(actual);
      diagnostics.error(Code.WrongType, source.valueAt(path), `"${where}" must be ${article(expected)}, not ${describe(actual)}`, typeHint(expected, actual, written));
      return;
    }
    default: {
      const actual = source.document.getIn(path);
      const detail = error.keyword === "enum" || error.keyword === "const" ? allowedValues(error) : withLimit(parent.description, error);
      diagnostics.error(Code.InvalidValue, source.valueAt(path), `invalid value ${shortJson(actual)} for "${where}"`, detail);
    }
  }
}

function toDocumentPath(instancePath: string): DocumentPath {
  if (instancePath === "") return [];
  return instancePath
    .slice(1)
    .split("/")
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function displayPath(path: DocumentPath): string {
  return path.reduce<string>((out, part) => (typeof part === "number" ? `${out}[${part}]` : out === "" ? part : `${out}.${part}`), "");
}

const LIMITS: Record<string, string> = {
  maxLength: "at most {limit} characters", minLength: "at least {limit} characters", maximum: "at most {limit}", minimum: "at least {limit}",
  exclusiveMaximum: "below {limit}", exclusiveMinimum: "above {limit}", maxItems: "at most {limit} items", minItems: "at least {limit} items",
};

/** The field's description, with the limit that was broken when the keyword is a limit (ajv's message otherwise). */
function withLimit(description: string | undefined, error: ErrorObject): string {
  const limit = LIMITS[error.keyword]?.replace("{limit}", String(error.params.limit));
  if (!limit) return description ?? error.message ?? "";
  return description ? `${description} Limit: ${limit}.` : `limit: ${limit}`;
}

function allowedValues(error: ErrorObject): string {
  const values = error.keyword === "const" ? [error.params.allowedValue] : (error.params.allowedValues as unknown[]);
  return `expected ${values.map((v) => JSON.stringify(v)).join(", ")}`;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "empty";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${shortJson(value)}`;
}

function article(type: string): string {
  const names: Record<string, string> = { object: "a mapping", array: "a list", integer: "an integer", string: "a string", boolean: "true or false", number: "a number" };
  return names[type] ?? type;
}

function typeHint(expected: string, actual: unknown, written: string): string | undefined {
  if (expected === "string" && (typeof actual === "number" || typeof actual === "boolean")) return `quote the value as written: "${written}"`;
  if (expected === "boolean" && typeof actual === "string") return "write true or false (YAML 1.2: yes/no/on/off are strings)";
  if (expected === "integer" && typeof actual === "string" && /^\d+$/.test(actual)) return "remove the quotes";
  return undefined;
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The allowed key within edit distance 2, for typo hints. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  return closestNames(word, candidates, 2)[0];
}
