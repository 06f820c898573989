import assert from "node:assert/strict";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { openRepository } from "../../compiler/load/git-repository.js";
import { InventoryCommitter } from "../../runtime/inventory/inventory-committer.js";
import { gitCli, repoFromSite } from "../helpers/git-repo.js";
import { runOci } from "../helpers/run-cli.js";
import { sampleSite } from "../helpers/paths.js";
import { copySite, tempDir } from "../helpers/temp-dirs.js";

const machines = async (site: string) => (await readdir(join(site, "clusters/cl1/machines"))).sort();

describe("oci assign: discovered machines become Machine files for review", () => {
  it("writes the file from the report and the matching profile; the site compiles with it, and its DHCP reservation is the reported MAC", async () => {
    const site = await copySite(sampleSite);
    const result = await runOci(["assign", "CZ3099999", "--cluster", "cl1", "--site", site]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^clusters\/cl1\/machines\/cl1-compute-3\.yaml: CZ3099999, hardware profile compute-r640$/m);
    const machine = parse(await readFile(join(site, "clusters/cl1/machines/cl1-compute-3.yaml"), "utf8")) as Record<string, unknown>;
    assert.deepEqual(machine, {
      apiVersion: "oci/v1", kind: "Machine", hostname: "cl1-compute-3", role: "compute", serial: "CZ3099999", bootMacs: ["52:54:00:00:00:63"],
      interfaces: [{ network: "pxe", mac: "52:54:00:00:00:63" }, { network: "management" }], systemDisks: ["sda", "sdb"], install: true,
    });
    const out = join(await tempDir("oci-assign-"), "render");
    const compiled = await runOci(["compile", site, "--out", out]);
    assert.equal(compiled.code, 0, compiled.stderr);
    assert.match(await readFile(join(out, "dhcp/dhcpd.conf"), "utf8"), /host cl1-compute-3[\s\S]*?hardware ethernet 52:54:00:00:00:63;/);
    // Once assigned, validate no longer offers it, and a second assign refuses it.
    assert.doesNotMatch((await runOci(["validate", site])).stdout, /CZ3099999/);
    const again = await runOci(["assign", "CZ3099999", "--cluster", "cl1", "--site", site]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /assign CZ3099999: a machine file of the site already has this serial/);
  });

  it("oci validate names the profile that matches each unassigned machine", async () => {
    const result = await runOci(["validate", sampleSite]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^inventory\/discovered\/CZ3099999\.yaml: hardware profile compute-r640 matches \(role compute\)/m);
  });

  it("--all-matching takes every unassigned machine a profile matches; one no profile matches needs --role", async () => {
    const site = await copySite(sampleSite);
    const report = await readFile(join(site, "inventory/discovered/CZ3099999.yaml"), "utf8");
    await writeFile(join(site, "inventory/discovered/CZ3077777.yaml"), report.replace("CZ3099999", "CZ3077777").replace(/52:54:00:00:0(\d):63/g, "52:54:00:00:0$1:77"));
    await writeFile(join(site, "inventory/discovered/QEMU0001.yaml"), report.replace("CZ3099999", "QEMU0001").replace("Dell Inc.", "QEMU").replace(/52:54:00:00:0(\d):63/g, "52:54:00:00:0$1:88"));
    const all = await runOci(["assign", "--all-matching", "--cluster", "cl1", "--site", site]);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(all.stdout.split("\n").filter((l) => l.startsWith("clusters/")), [
      "clusters/cl1/machines/cl1-compute-3.yaml: CZ3077777, hardware profile compute-r640",
      "clusters/cl1/machines/cl1-compute-4.yaml: CZ3099999, hardware profile compute-r640",
    ]);
    const unmatched = await runOci(["assign", "QEMU0001", "--cluster", "cl1", "--site", site]);
    assert.equal(unmatched.code, 1);
    assert.match(unmatched.stderr, /assign QEMU0001: no hardware profile matches it: give --role/);
    const withRole = await runOci(["assign", "QEMU0001", "--cluster", "cl1", "--role", "volume", "--hostname-pattern", "cl1-vol-{n}", "--site", site]);
    assert.equal(withRole.code, 0, withRole.stderr);
    assert.match(withRole.stdout, /^clusters\/cl1\/machines\/cl1-vol-1\.yaml: QEMU0001$/m);
  });

  it("keeps nothing when the site would not validate with the new files", async () => {
    const site = await copySite(sampleSite);
    const before = await machines(site);
    // A hostname the Machine schema refuses: the file is written, checked, and removed again.
    const result = await runOci(["assign", "CZ3099999", "--cluster", "cl1", "--hostname-pattern", "CL1_Compute_{n}", "--site", site]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /CL1_Compute_1\.yaml:\d+:\d+: error/);
    assert.match(result.stderr, /none was kept/);
    assert.deepEqual(await machines(site), before);
  });

  it("places a machine by its NICs' LLDP neighbours (auto-racking): the rack of the switch it sees, each NIC on the networks its switch carries", async () => {
    const site = await copySite(sampleSite);
    await mkdir(join(site, "locations"));
    await writeFile(join(site, "locations/par2.yaml"), [
      "apiVersion: oci/v1", "kind: Location", "name: par2", "racks:", "  - name: r2", "    networks: [management]", "    switches:",
      "      - chassis: tor-r2", "        networks: [management]", "      - chassis: tor-r2-data", "        networks: [vm]", "",
    ].join("\n"));
    const report = join(site, "inventory/discovered/CZ3099999.yaml");
    await writeFile(report, (await readFile(report, "utf8")).replace("    link: true\nipmi:", "    link: true\n    lldp:\n      chassis: tor-r2-data\n      port: Ethernet12\nipmi:"));
    const result = await runOci(["assign", "CZ3099999", "--cluster", "cl1", "--site", site]);
    assert.equal(result.code, 0, result.stderr);
    const machine = parse(await readFile(join(site, "clusters/cl1/machines/cl1-compute-3.yaml"), "utf8")) as Record<string, unknown>;
    assert.deepEqual(machine["interfaces"], [
      { network: "pxe", mac: "52:54:00:00:00:63" }, { network: "management", mac: "52:54:00:00:00:63" }, { network: "vm", mac: "52:54:00:00:01:63" },
    ]);
    assert.deepEqual(machine["location"], { dc: "par2", rack: "r2" });
    // It compiles: the management VLAN and the vm VLAN each on the NIC facing the switch that carries it.
    const out = join(await tempDir("oci-assign-"), "render");
    const compiled = await runOci(["compile", site, "--out", out]);
    assert.equal(compiled.code, 0, compiled.stderr);
    const interfaces = (parse(await readFile(join(out, "hiera/nodes/cl1-compute-3.cl1.example.com.yaml"), "utf8")) as Record<string, { network: string; vlan?: number }[]>)["oci::node::interfaces"]!;
    assert.deepEqual(interfaces.map((i) => [i.network, i.vlan]), [["pxe", undefined], ["management", 10], ["vm", 50]]);
  });

  it("refuses a switch listed in two racks: LLDP could not tell where a machine stands", async () => {
    const site = await copySite(sampleSite);
    await mkdir(join(site, "locations"));
    const location = (name: string) => ["apiVersion: oci/v1", "kind: Location", `name: ${name}`, "racks:", "  - name: r1", "    networks: [management]", "    switches:", "      - chassis: tor-r2", ""].join("\n");
    await writeFile(join(site, "locations/par2.yaml"), location("par2"));
    await writeFile(join(site, "locations/par3.yaml"), location("par3"));
    const result = await runOci(["validate", site]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /locations\/par3\.yaml:8:\d+: error OCI1209: switch tor-r2 is in rack par3\/r1 and in rack par2\/r1/);
  });

  it("reads the discovered machines from the inventory branch the daemon commits them to, as a clone has it (origin/oci/inventory)", async () => {
    // The host's repository: the site without discoveries on main, and one discovery committed by the daemon's own committer.
    const site = await copySite(sampleSite);
    const report = parse(await readFile(join(site, "inventory/discovered/CZ3099999.yaml"), "utf8")) as Record<string, unknown>;
    await rm(join(site, "inventory"), { recursive: true });
    const host = await repoFromSite(site);
    assert.equal(await new InventoryCommitter(openRepository(host), "oci/inventory").submit(report), "committed");
    assert.equal((await gitCli(host, "log", "--format=%s", "main")).trim(), "Initial site", "main has no discovery commit");
    const clone = join(await tempDir("oci-assign-clone-"), "site");
    await gitCli(host, "clone", "-q", host, clone);
    const validate = await runOci(["validate", clone]);
    assert.match(validate.stdout, /^inventory\/discovered\/CZ3099999\.yaml: hardware profile compute-r640 matches/m);
    const result = await runOci(["assign", "CZ3099999", "--cluster", "cl1", "--site", clone]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^oci: assign: discovered machines from origin\/oci\/inventory \([0-9a-f]{12}\)$/m);
    assert.match(await readFile(join(clone, "clusters/cl1/machines/cl1-compute-3.yaml"), "utf8"), /^serial: "CZ3099999"$/m);
    // The written file is the only change to the work tree: the discovery stays on its branch.
    assert.equal(await gitCli(clone, "status", "--porcelain"), "?? clusters/cl1/machines/cl1-compute-3.yaml\n");
    // Without the branch, the machine is unknown, and the error says why.
    await gitCli(clone, "update-ref", "-d", "refs/remotes/origin/oci/inventory");
    const unknown = await runOci(["assign", "CZ3099999", "--cluster", "cl1", "--site", clone, "--hostname-pattern", "x-{n}"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /assign CZ3099999: no inventory\/discovered\/CZ3099999\.yaml/);
  });
});
