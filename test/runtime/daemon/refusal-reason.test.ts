import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { compile } from "../../../compiler/index.js";
import { DirectoryTree } from "../../../compiler/load/directory-tree.js";
import { refusalReason } from "../../../runtime/daemon/refusal-reason.js";
import { sampleSite } from "../../helpers/paths.js";
import { copySite } from "../../helpers/temp-dirs.js";

describe("a refused commit's reason puts the root cause first", () => {
  it("a YAML syntax error in networks/pxe.yaml comes before the unknown-network errors it causes, with the count of the rest", async () => {
    const site = await copySite(sampleSite);
    await writeFile(join(site, "networks/pxe.yaml"), "apiVersion: oci/v1\nkind: Network\nname: pxe\ncidr: [192.168.100.0/24\n");
    const { diagnostics } = await compile({ tree: new DirectoryTree(site) });
    const errors = diagnostics.filter((d) => d.severity === "error");
    assert.ok(errors.length > 5, `${errors.length} errors`);
    assert.notEqual(errors[0]!.file, "networks/pxe.yaml", "sorted by path, the cause is not first: the case this orders");
    const reason = refusalReason(diagnostics);
    assert.match(reason, new RegExp(`^${errors.length} error\\(s\\): networks/pxe\\.yaml:\\d+:\\d+: error OCI1001: `));
    assert.match(reason, new RegExp(`\\(and ${errors.length - 5} more: oci validate shows them all\\)$`));
  });
});
