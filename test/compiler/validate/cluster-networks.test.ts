import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compile } from "../../../compiler/index.js";
import { DirectoryTree } from "../../../compiler/load/directory-tree.js";
import { MemoryTree } from "../../../compiler/load/site-tree.js";
import { fixtures } from "../../helpers/paths.js";

async function baseSiteWith(edits: Record<string, (text: string) => string>, added: Record<string, string> = {}) {
  const tree = new DirectoryTree(`${fixtures}/base-site`);
  const files = new Map<string, string>();
  for (const p of await tree.listFiles()) files.set(p, await tree.readFile(p));
  for (const [path, edit] of Object.entries(edits)) {
    const next = edit(files.get(path)!);
    assert.notEqual(next, files.get(path), path);
    files.set(path, next);
  }
  for (const [path, text] of Object.entries(added)) files.set(path, text);
  return compile({ tree: new MemoryTree(files) });
}

// A VLAN: a network implied on a machine goes where its interfaces without a device go, tagged on its boot link.
const VM = "apiVersion: oci/v1\nkind: Network\nname: vm\ncidr: 10.40.0.0/24\nvlan: 50\npurpose: vm\n";

describe("networks attached to a cluster and its roles, as OCI attaches them", () => {
  it("every machine of the listed roles gets an interface there with an address; the others do not", async () => {
    const result = await baseSiteWith({ "clusters/c1/cluster.yaml": (t) => `${t}networks:\n  - network: vm\n    roles: [compute]\n` }, { "networks/vm.yaml": VM });
    assert.ok(result.ir, JSON.stringify(result.diagnostics));
    for (const m of result.ir.machines) {
      const vm = m.interfaces.find((i) => i.network === "vm");
      if (m.role === "compute") assert.match(vm?.address ?? "", /^10\.40\.0\.\d+$/, m.hostname);
      else assert.equal(vm, undefined, m.hostname);
    }
  });

  it("without roles, every machine of the cluster; a machine's own entry (a literal address) wins", async () => {
    const result = await baseSiteWith({
      "clusters/c1/cluster.yaml": (t) => `${t}networks:\n  - network: vm\n`,
      "clusters/c1/machines/c1-cmp-1.yaml": (t) => t.replace("interfaces:\n", "interfaces:\n  - network: vm\n    ip: 10.40.0.77\n"),
    }, { "networks/vm.yaml": VM });
    assert.ok(result.ir, JSON.stringify(result.diagnostics));
    assert.ok(result.ir.machines.every((m) => m.interfaces.filter((i) => i.network === "vm").length === 1));
    assert.equal(result.ir.machines.find((m) => m.hostname === "c1-cmp-1")!.interfaces.find((i) => i.network === "vm")!.address, "10.40.0.77");
  });

  it("an unknown network is one error, at the cluster's entry", async () => {
    const result = await baseSiteWith({ "clusters/c1/cluster.yaml": (t) => `${t}networks:\n  - network: storage\n` });
    assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.file}:${d.line}:${d.col} ${d.code}`), ["clusters/c1/cluster.yaml:8:14 OCI1401"]);
  });
});

describe("locations: a datacenter and its racks' networks", () => {
  const STORAGE = "apiVersion: oci/v1\nkind: Network\nname: storage\ncidr: 10.41.0.0/24\nvlan: 60\npurpose: storage\n";
  const DC1 = "apiVersion: oci/v1\nkind: Location\nname: dc1\nnetworks: [vm]\nracks:\n  - name: r2\n    networks: [storage]\n";

  it("a machine in the datacenter gets its networks, one in the rack its rack's too; a machine elsewhere neither", async () => {
    const place = (rack: string) => (t: string) => `${t}location: { dc: dc1, rack: ${rack} }\n`;
    const result = await baseSiteWith(
      { "clusters/c1/machines/c1-cmp-1.yaml": place("r2"), "clusters/c1/machines/c1-ctl-1.yaml": place("r1") },
      { "networks/vm.yaml": VM, "networks/storage.yaml": STORAGE, "locations/dc1.yaml": DC1 },
    );
    assert.ok(result.ir, JSON.stringify(result.diagnostics));
    const networksOf = (hostname: string) => result.ir!.machines.find((m) => m.hostname === hostname)!.interfaces.map((i) => i.network).filter((n) => n === "vm" || n === "storage");
    assert.deepEqual(networksOf("c1-cmp-1"), ["vm", "storage"]);
    assert.deepEqual(networksOf("c1-ctl-1"), ["vm"]);
    assert.deepEqual(networksOf("c1-ctl-2"), []);
  });

  it("a location naming an unknown network is an error at that name", async () => {
    const result = await baseSiteWith({}, { "locations/dc1.yaml": DC1, "networks/vm.yaml": VM });
    assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.file}:${d.line}:${d.col} ${d.code}`), ["locations/dc1.yaml:7:16 OCI1401"]);
  });
});
