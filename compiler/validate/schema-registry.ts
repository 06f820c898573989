import { readFileSync } from "node:fs";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import type { Kind } from "../load/site-layout.js";

// schemas/ sits at the package root; this file runs from dist/compiler/validate/.
const SCHEMA_DIR = new URL("../../../schemas/", import.meta.url);

export const SCHEMA_FILES: Readonly<Record<Kind, string>> = {
  Site: "site.schema.json",
  Network: "network.schema.json",
  Cluster: "cluster.schema.json",
  Machine: "machine.schema.json",
  HardwareProfile: "hardware-profile.schema.json",
  Location: "location.schema.json",
  DiscoveredHardware: "discovered-hardware.schema.json",
};

export type JsonSchema = Record<string, unknown>;

export function readSchema(file: string): JsonSchema {
  return JSON.parse(readFileSync(new URL(file, SCHEMA_DIR), "utf8")) as JsonSchema;
}

export interface SchemaValidator {
  (value: unknown): boolean;
  errors?: ErrorObject[] | null;
}

let validators: Map<Kind, ValidateFunction> | undefined;
let ajvInstance: Ajv2020 | undefined;
const standalone = new Map<string, ValidateFunction>();

/** A validator for a schema that is not a site kind (HTTP API bodies), compiled once. */
export function validatorForSchema(file: string): ValidateFunction {
  validators ??= compileAll();
  let validate = standalone.get(file);
  if (!validate) standalone.set(file, (validate = ajvInstance!.compile(readSchema(file))));
  return validate;
}

/** Compiled once per process: compiling the schemas costs more than checking a thousand files. */
export function validatorFor(kind: Kind): ValidateFunction {
  validators ??= compileAll();
  return validators.get(kind)!;
}

function compileAll(): Map<Kind, ValidateFunction> {
  const ajv = (ajvInstance = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true }));
  ajv.addSchema(readSchema("common.schema.json"));
  const out = new Map<Kind, ValidateFunction>();
  for (const [kind, file] of Object.entries(SCHEMA_FILES) as [Kind, string][]) {
    out.set(kind, ajv.compile(readSchema(file)));
  }
  return out;
}
