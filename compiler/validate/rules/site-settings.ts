import { Code } from "../../diagnostics/codes.js";
import type { DiagnosticBag } from "../../diagnostics/diagnostic.js";
import { branchNameProblem } from "../ref-name.js";
import type { SiteIndex } from "../site-index.js";

/** Site-wide settings whose validity the schema cannot express. */
export function checkSiteSettings(index: SiteIndex, diagnostics: DiagnosticBag): void {
  const site = index.model.site;
  const branch = site?.doc.git?.renderedBranch;
  if (!site || branch === undefined) return;
  const problem = branchNameProblem(branch);
  if (problem) {
    diagnostics.error(Code.InvalidBranchName, site.source.valueAt(["git", "renderedBranch"]), `git.renderedBranch ${JSON.stringify(branch)} is not a branch name git accepts: ${problem}`,
      "use a name such as oci/rendered (git check-ref-format --branch tells)");
  }
}
