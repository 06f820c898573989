import type { SiteIR } from "../../resolve/site-ir.js";
import { jsonText, type OutputFile } from "../output-file.js";

export const IPAM_STATE_PATH = "state/ipam.json";

/** state/ipam.json: every address of the site; the next compile reads it back to keep allocations stable. */
export function renderIpamState(ir: SiteIR): OutputFile[] {
  return [{ path: IPAM_STATE_PATH, content: jsonText(ir.ipam) }];
}
