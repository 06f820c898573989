import type { KeyedMemo } from "../../memo/keyed-memo.js";
import type { IpamAllocation, SiteIR } from "../../resolve/site-ir.js";
import { jsonListItem, jsonTextWithList, type OutputFile } from "../output-file.js";

export const IPAM_STATE_PATH = "state/ipam.json";

/** state/ipam.json: every address of the site; the next compile reads it back to keep allocations stable. */
export function renderIpamState(ir: SiteIR, memo?: KeyedMemo<IpamAllocation, string>): OutputFile[] {
  const { allocations, ...rest } = ir.ipam;
  const items = allocations.map((a) => (memo ? memo.get(a, [], () => jsonListItem(a)) : jsonListItem(a)));
  return [{ path: IPAM_STATE_PATH, content: jsonTextWithList(rest, "allocations", items) }];
}
