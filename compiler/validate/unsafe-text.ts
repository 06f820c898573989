import { isScalar, visit, type Scalar } from "yaml";
import { Code } from "../diagnostics/codes.js";
import type { DiagnosticBag } from "../diagnostics/diagnostic.js";
import type { SourceFile } from "../load/source-file.js";

// C0 controls but tab, DEL, C1 controls; and the Unicode bidirectional controls, which reorder what
// a reviewer sees in a diff or a plan (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069).
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
// Hiera interpolates `%{…}` in every key and value of its data: a site value holding it could pull
// another key (a password) into a file or a command line.
const INTERPOLATION = "%{";

const CONTROLS = new RegExp(CONTROL.source, "gu");

/**
 * Text that machines report (DMI strings, LLDP names) made safe to keep in the site: control
 * characters become U+FFFD and `%{` loses its meaning. A report is data to keep, not a site value to
 * refuse: one odd BMC string must not block the site's compile.
 */
export function defuseText(text: string): string {
  return text.replace(CONTROLS, "\uFFFD").replaceAll(INTERPOLATION, "% {");
}

/** Every string of a plain value (keys included) through defuseText. */
export function defuseStrings(value: unknown): unknown {
  if (typeof value === "string") return defuseText(value);
  if (Array.isArray(value)) return value.map(defuseStrings);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [defuseText(k), defuseStrings(v)]));
  return value;
}

/**
 * Refuses, wherever they are in a site file, the characters no site value needs and that are
 * dangerous downstream: hiera interpolation tokens and control characters. Checked on every scalar,
 * keys included, so no field (present or future) can carry them past validation.
 */
export function checkUnsafeText(source: SourceFile, diagnostics: DiagnosticBag): boolean {
  let ok = true;
  visit(source.document, {
    Scalar(_key, node: Scalar) {
      if (!isScalar(node) || typeof node.value !== "string") return;
      const at = source.at(node.range?.[0] ?? 0);
      const control = CONTROL.exec(node.value);
      if (control) {
        ok = false;
        const code = control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
        diagnostics.error(Code.ControlCharacter, at, `control character U+${code} at offset ${control.index} of a value`,
          "site values are plain text: remove it (a bidirectional control can hide a change from a reviewer)");
      }
      if (node.value.includes(INTERPOLATION)) {
        ok = false;
        diagnostics.error(Code.HieraInterpolation, at, `"%{" in a value: hiera would interpolate it (${JSON.stringify(node.value.slice(0, 40))})`,
          "no site value needs it: remove the `%{…}`");
      }
    },
  });
  return ok;
}
