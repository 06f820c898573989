import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { repoRoot } from "../helpers/paths.js";
import { runTool } from "../helpers/run-tool.js";

const deploy = join(repoRoot, "deploy");

async function sources(dir: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const texts = await Promise.all(entries.filter((e) => e.isFile() && e.name.endsWith(".ts")).map((e) => readFile(join(e.parentPath, e.name), "utf8")));
  return texts.join("\n");
}

describe("deployment files", () => {
  it("every variable of the /etc/default example is one oci reads", async () => {
    const code = (await sources(join(repoRoot, "cli"))) + (await sources(join(repoRoot, "runtime")));
    const variables = [...(await readFile(join(deploy, "oci.default"), "utf8")).matchAll(/^(OCI_[A-Z_]+)=/gm)].map((m) => m[1]!);
    assert.ok(variables.length >= 10);
    for (const name of variables) {
      if (name === "OCI_SERVE_ARGS") continue; // expanded by systemd into the command line
      assert.ok(code.includes(`"${name}"`), `${name} is in oci.default but oci never reads it`);
    }
    assert.match(await readFile(join(deploy, "oci.service"), "utf8"), /^ExecStart=\/usr\/local\/bin\/oci serve \$OCI_SERVE_ARGS$/m);
  });

  it("the puppetserver hook wrappers pass shellcheck", async () => {
    const result = await runTool("shellcheck", ["-s", "sh", join(deploy, "oci-enc"), join(deploy, "oci-autosign")]);
    assert.equal(result.code, 0, result.output);
  });
});
