import type { SiteIR } from "../../resolve/site-ir.js";
import { jsonText, type OutputFile } from "../output-file.js";

export const STATUS_PAGE_PATH = "serve/status-page.json";

/** serve/status-page.json: who may read `oci serve`'s status page, and the forge link of a commit. */
export function renderStatusPage(ir: SiteIR): OutputFile[] {
  const page = ir.site.statusPage;
  return [{
    path: STATUS_PAGE_PATH,
    content: jsonText({
      ...(page.commitUrl ? { commitUrl: page.commitUrl } : {}), allow: page.allow ?? [],
      users: (page.users ?? []).map((u) => ({ name: u.name, passwordHash: u.passwordHash })),
    }),
  }];
}
