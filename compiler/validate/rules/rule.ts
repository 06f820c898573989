import type { DiagnosticBag } from "../../diagnostics/diagnostic.js";
import type { SiteIndex } from "../site-index.js";

/** A semantic rule: reads the schema-valid site, reports what is wrong. Rules never change the model. */
export type Rule = (index: SiteIndex, diagnostics: DiagnosticBag) => void;
