import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { generateSite } from "../../../../bench/generate-site.js";
import { compileToDirectory } from "../../../helpers/compile-site.js";
import { sampleSite } from "../../../helpers/paths.js";
import { runTool } from "../../../helpers/run-tool.js";
import { siteWithRelayAndTwoNics } from "../../../helpers/site-variants.js";
import { tempDir } from "../../../helpers/temp-dirs.js";

// Each generated configuration must pass its own server's syntax check. Debian's isc-dhcp-server,
// kea-dhcp4-server and dnsmasq-base are installed by .ci/run; a missing tool fails the test.
const CHECKS = [
  { name: "dhcpd -t", file: "dhcp/dhcpd.conf", run: (path: string) => runTool("dhcpd", ["-t", "-cf", path]) },
  { name: "kea-dhcp4 -t", file: "dhcp/kea-dhcp4.json", run: (path: string) => runTool("kea-dhcp4", ["-t", path]) },
  { name: "dnsmasq --test", file: "dhcp/dnsmasq.conf", run: (path: string) => runTool("dnsmasq", ["--test", `--conf-file=${path}`]) },
];

async function checkAll(render: string): Promise<void> {
  for (const check of CHECKS) {
    const result = await check.run(join(render, check.file));
    assert.equal(result.code, 0, `${check.name} refused ${check.file}:\n${result.output}`);
  }
}

describe("generated DHCP configurations pass their real tools' checks", () => {
  it("sample-site", async () => checkAll((await compileToDirectory(sampleSite)).out));

  it("a site with a relayed segment and a machine with two boot NICs", async () => checkAll((await compileToDirectory(await siteWithRelayAndTwoNics())).out));

  it("a generated 1,000-machine site", async () => {
    const site = await tempDir("oci-site-1000-");
    await generateSite(site, 1000);
    const { out, ir } = await compileToDirectory(site);
    assert.equal(ir!.boot.hosts.length, 1000);
    await checkAll(out);
  });

  it("the checks can fail: a broken copy of each file is refused (negative control)", async () => {
    const { out } = await compileToDirectory(sampleSite);
    const dir = await tempDir();
    for (const check of CHECKS) {
      const broken = join(dir, check.file.replace("/", "-"));
      const text = await readFile(join(out, check.file), "utf8");
      await writeFile(broken, text.replace("fixed-address", "fixed-adress").replace('"subnet4"', '"subnet44"').replace("dhcp-host=", "dhcp-hots="));
      const result = await check.run(broken);
      assert.notEqual(result.code, 0, `${check.name} accepted a broken file`);
    }
  });
});
