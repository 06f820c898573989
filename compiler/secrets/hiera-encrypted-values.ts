import { parse } from "yaml";
import { ENCRYPTED_VALUE } from "./eyaml.js";

/** The eyaml-encrypted values of a hiera file's top level, by key. */
export type EncryptedValues = Readonly<Record<string, string>>;

/** A top-level entry as oci's hiera writer puts an encrypted value: a plain key at column 0, the value double-quoted. */
const ENTRY = /^([A-Za-z_](?:[A-Za-z0-9_:.-]*[A-Za-z0-9_.-])?): "(ENC\[PKCS7,[A-Za-z0-9+/=]+\])"$/gm;
/** Plain keys YAML 1.1 reads as something else than their text (booleans, null). */
const NOT_TEXT_KEY = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;
/**
 * What could make a value read "ENC[…" without those characters in a row (a \x or \u escape, an
 * escaped line break), or make a column-0 line something else than a top-level entry (a tab, a
 * carriage return, a directive or document marker).
 */
const NOT_PLAIN = /\\[xuU]|\\$|\t|\r|^(?:---|\.\.\.|%)/m;

/**
 * The encrypted values of a previous render's hiera file. A cold compile of a 10,000-machine site
 * reads 10,000 node files for their keys; parsing them was 7 s of a 47 s plan. A file in the form
 * oci writes is scanned instead, and gives what parsing gives: with the yaml parser (YAML 1.1, one
 * document), a line at column 0 in a valid file is a top-level entry, as continuation lines of flow
 * scalars and collections must be indented and block scalars' content is. The scan is taken only
 * when every "ENC[" of the text is in such an entry, once per key; anything else is parsed.
 */
export function encryptedValuesOfText(text: string): EncryptedValues {
  return scanEncryptedValues(text) ?? encryptedValuesOf(parse(text, { version: "1.1" }) as Record<string, unknown> | null);
}

/** The scan alone: undefined when the text is not in the form it reads exactly. */
export function scanEncryptedValues(text: string): EncryptedValues | undefined {
  if (NOT_PLAIN.test(text)) return undefined;
  const values: Record<string, string> = {};
  let found = 0;
  for (const [, key, value] of text.matchAll(ENTRY)) {
    if (NOT_TEXT_KEY.test(key!) || Object.hasOwn(values, key!)) return undefined;
    values[key!] = detached(value!);
    found++;
  }
  let mentions = 0;
  for (let at = text.indexOf("ENC["); at !== -1; at = text.indexOf("ENC[", at + 4)) mentions++;
  return mentions === found ? values : undefined;
}

/**
 * A copy of a string cut from a larger one. V8 keeps a match as a slice of the text it was found
 * in, so a value kept for the next compile would keep its whole hiera file alive, and the next
 * compile's equal text beside it: 60 MB at 10,000 machines.
 */
function detached(slice: string): string {
  return ` ${slice}`.slice(1);
}

/** The encrypted values of a parsed hiera file. */
export function encryptedValuesOf(data: Record<string, unknown> | null): EncryptedValues {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(data ?? {})) if (typeof value === "string" && ENCRYPTED_VALUE.test(value)) values[key] = value;
  return values;
}
