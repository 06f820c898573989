import assert from "node:assert/strict";
import { readFile, writeFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { compile, type PreviousRender } from "../../../compiler/index.js";
import { DiagnosticBag } from "../../../compiler/diagnostics/diagnostic.js";
import { formatIpv4, parseCidr, parseIpv4 } from "../../../compiler/net/ipv4.js";
import { allocateAddresses, type AddressRequest } from "../../../compiler/resolve/ipam.js";
import type { IpamAllocation, IpamState } from "../../../compiler/resolve/site-ir.js";
import type { IndexedNetwork } from "../../../compiler/validate/site-index.js";
import { DirectoryTree } from "../../../compiler/load/directory-tree.js";
import type { SiteIR } from "../../../compiler/resolve/site-ir.js";
import { fixtures as fixturesDir, sampleSite } from "../../helpers/paths.js";
import { copySite } from "../../helpers/temp-dirs.js";
import { seededRandom } from "../../helpers/seeded-random.js";

function previousFrom(ir: SiteIR): PreviousRender {
  const text = JSON.stringify(ir.ipam);
  return { label: "previous/", readFile: async (path) => (path === "state/ipam.json" ? text : undefined) };
}

function addressesOf(ir: SiteIR): Map<string, string> {
  return new Map(ir.ipam.allocations.map((a) => [a.key, a.address]));
}

const NEW_COMPUTE = `apiVersion: oci/v1
kind: Machine
hostname: cl1-compute-0
role: compute
serial: "CZ3NEW001"
bootMacs: ["52:54:00:00:09:01"]
interfaces:
  - network: pxe
  - network: management
  - network: vm
ipmi:
  network: ipmi
`;

describe("IPAM", () => {
  it("adding a machine changes no other machine's address, even when its name sorts first", async () => {
    const site = await copySite(sampleSite);
    const before = await compile({ tree: new DirectoryTree(site) });
    await writeFile(join(site, "clusters/cl1/machines/cl1-compute-0.yaml"), NEW_COMPUTE);
    const after = await compile({ tree: new DirectoryTree(site), previous: previousFrom(before.ir!) });
    assert.deepEqual(after.diagnostics, []);
    const old = addressesOf(before.ir!);
    const now = addressesOf(after.ir!);
    for (const [key, address] of old) assert.equal(now.get(key), address, key);
    const added = [...now.keys()].filter((k) => !old.has(k)).sort();
    assert.deepEqual(added, ["ipmi/cl1-compute-0", "machine/cl1-compute-0/management", "machine/cl1-compute-0/pxe", "machine/cl1-compute-0/vm"]);
    const used = new Set(old.values());
    for (const key of added) assert.ok(!used.has(now.get(key)!), `${key} got a fresh address`);

    const control = await compile({ tree: new DirectoryTree(site) });
    const moved = [...old].filter(([key, address]) => addressesOf(control.ir!).get(key) !== address);
    assert.ok(moved.length > 0, "without the previous state the new name would renumber others: the test exercises stability");
  });

  it("removing a machine keeps every other address", async () => {
    const site = await copySite(sampleSite);
    const before = await compile({ tree: new DirectoryTree(site) });
    await rm(join(site, "clusters/cl1/machines/cl1-cephmon-2.yaml"));
    const after = await compile({ tree: new DirectoryTree(site), previous: previousFrom(before.ir!) });
    const now = addressesOf(after.ir!);
    for (const [key, address] of addressesOf(before.ir!)) {
      if (key.includes("cl1-cephmon-2")) assert.equal(now.has(key), false);
      else assert.equal(now.get(key), address, key);
    }
  });

  it("a literal address that takes over an automatic one moves only that machine", async () => {
    const site = await copySite(sampleSite);
    const before = await compile({ tree: new DirectoryTree(site) });
    const old = addressesOf(before.ir!);
    const stolen = old.get("machine/cl1-cephmon-1/ceph")!;
    const file = join(site, "clusters/cl1/machines/cl1-cephosd-3.yaml");
    const text = await readFile(file, "utf8");
    await writeFile(file, text.replace("  - network: ceph\n    device: eno2.40\n    ip: auto", `  - network: ceph\n    device: eno2.40\n    ip: ${stolen}`));
    const after = await compile({ tree: new DirectoryTree(site), previous: previousFrom(before.ir!) });
    assert.deepEqual(after.diagnostics, []);
    const now = addressesOf(after.ir!);
    assert.equal(now.get("machine/cl1-cephosd-3/ceph"), stolen);
    assert.notEqual(now.get("machine/cl1-cephmon-1/ceph"), stolen);
    const changed = [...old].filter(([key, address]) => now.get(key) !== address).map(([key]) => key).sort();
    assert.deepEqual(changed, ["machine/cl1-cephmon-1/ceph", "machine/cl1-cephosd-3/ceph"]);
  });

  it("a damaged previous state is an error, not a renumbering", async () => {
    const result = await compile({
      tree: new DirectoryTree(sampleSite),
      previous: { label: "render/", readFile: async () => "{ not json" },
    });
    assert.equal(result.files, undefined);
    assert.deepEqual(result.diagnostics.map((d) => `${d.file} ${d.code}`), ["render/state/ipam.json OCI1013"]);
  });

  it("allocates nothing from reserved ranges, discovery pools, gateways or the VIP", async () => {
    const { ir } = await compile({ tree: new DirectoryTree(sampleSite) });
    const pxe = ir!.ipam.allocations.filter((a) => a.network === "pxe").map((a) => Number(a.address.split(".")[3]));
    assert.ok(pxe.every((n) => n >= 10 && n < 200), `pxe addresses ${pxe.join(",")}`);
    const vip = ir!.clusters[0]!.vip.address;
    assert.equal(vip, "10.10.0.10", "the VIP takes the first free management address");
    assert.equal(ir!.ipam.allocations.filter((a) => a.address === vip).length, 1);
  });
});

describe("IPAM and the site's own equipment", () => {
  it("never allocates the provisioning host, DNS, NTP, gateways, relays or BGP peers, even without reserved ranges", async () => {
    const site = await copySite(join(fixturesDir, "base-site"));
    await writeFile(join(site, "networks/pxe.yaml"), (await readFile(join(site, "networks/pxe.yaml"), "utf8")).replace(/^reserved:[\s\S]*$/m, ""));
    await writeFile(join(site, "site.yaml"), `${await readFile(join(site, "site.yaml"), "utf8")}dns:\n  servers: [192.168.10.3, 10.1.0.2]\nntp: [10.1.0.3]\n`);
    await writeFile(join(site, "networks/ipmi.yaml"), `${await readFile(join(site, "networks/ipmi.yaml"), "utf8")}gateway: 10.2.0.1\n`);
    const cluster = join(site, "clusters/c1/cluster.yaml");
    await writeFile(cluster, (await readFile(cluster, "utf8")).replace(/^vip:\n(  .*\n)+/m, "vip:\n  address: auto\n  mode: bgp\n  bgp:\n    asn: 65010\n    peers:\n      - { address: 10.1.0.4, asn: 65000 }\n"));
    const { ir, diagnostics } = await compile({ tree: new DirectoryTree(site) });
    assert.ok(ir, JSON.stringify(diagnostics));
    const equipment = ["192.168.10.1", "192.168.10.2", "192.168.10.3", "10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4", "10.2.0.1"];
    const given = ir.ipam.allocations.filter((a) => equipment.includes(a.address));
    assert.deepEqual(given, []);
    // Allocation starts right above: the lowest free addresses are taken, the equipment skipped.
    assert.ok(ir.ipam.allocations.some((a) => a.address === "192.168.10.4"), JSON.stringify(ir.ipam.allocations));
  });

  it("a literal address on the site's equipment is an error that names what is there", async () => {
    const site = await copySite(join(fixturesDir, "base-site"));
    const machine = join(site, "clusters/c1/machines/c1-cmp-1.yaml");
    await writeFile(machine, (await readFile(machine, "utf8")).replace("  - network: pxe\n    ip: auto", "  - network: pxe\n    ip: 192.168.10.2"));
    const { diagnostics } = await compile({ tree: new DirectoryTree(site) });
    const d = diagnostics.find((x) => x.code === "OCI1317");
    assert.ok(d, JSON.stringify(diagnostics));
    assert.equal(`${d.file}:${d.line}:${d.col}`, "clusters/c1/machines/c1-cmp-1.yaml:10:9");
    assert.match(d.message, /192\.168\.10\.2 is the provisioning host/);
  });

  it("gives what the plain definition gives, over random sites and previous states", () => {
    const random = seededRandom(5);
    const networks = new Map<string, IndexedNetwork>(["a", "b", "m"].map((name, i) => {
      const net = parseCidr(`10.${i}.0.0/26`);
      return [name, { located: { doc: { name, cidr: `10.${i}.0.0/26` } }, net, reserved: [{ start: net.base + 10, end: net.base + 12 }], ...(i === 1 ? { pool: { start: net.base + 40, end: net.base + 50 } } : {}) } as unknown as IndexedNetwork];
    }));
    const infrastructure = new Map([[parseIpv4("10.0.0.1"), "gateway"]]);
    let previous: IpamState | undefined;
    for (let step = 0; step < 300; step++) {
      const requests: AddressRequest[] = [];
      for (let i = 0; i < 20; i++) {
        if (random(4) === 0) continue;
        const network = ["a", "b", "m", "gone"][random(4)]!;
        const literal = random(5) === 0 ? formatIpv4(networks.get(network === "gone" ? "a" : network)!.net.base + 2 + random(60)) : undefined;
        requests.push({ key: `${["vip", "machine", "ipmi"][i % 3]}/h${i}`, network, ...(literal ? { literal } : {}), at: () => ({ file: "x", line: 1, col: 1 }) });
      }
      const got = allocateAddresses(networks, infrastructure, requests, previous, new DiagnosticBag());
      assert.deepEqual(got.state, reference(networks, infrastructure, requests, previous), `step ${step}`);
      // The next step starts from this state, or from a shuffled or damaged-looking copy of it.
      previous = random(6) === 0 ? { version: 1, allocations: [...got.state.allocations].reverse() } : random(6) === 0 ? undefined : got.state;
    }
  });
});

/** The definition, written plainly: keep what is still free and valid, give the rest the lowest free address (VIPs first, then by key), list by network, address, key. */
function reference(networks: ReadonlyMap<string, IndexedNetwork>, infrastructure: ReadonlyMap<number, string>, requests: readonly AddressRequest[], previous: IpamState | undefined): IpamState {
  const taken = new Set<string>();
  const out: IpamAllocation[] = [];
  const allocatable = (n: IndexedNetwork, x: number) => x > n.net.base && x < n.net.last && !infrastructure.has(x) && !(n.pool && x >= n.pool.start && x <= n.pool.end) && !n.reserved.some((r) => x >= r.start && x <= r.end);
  const put = (r: AddressRequest, x: number, origin: IpamAllocation["origin"]) => {
    taken.add(`${r.network} ${x}`);
    out.push({ address: formatIpv4(x), key: r.key, network: r.network, origin });
  };
  for (const r of requests) if (r.literal !== undefined) put(r, parseIpv4(r.literal), "literal");
  const fresh: AddressRequest[] = [];
  for (const r of requests.filter((q) => q.literal === undefined)) {
    const old = [...(previous?.allocations ?? [])].reverse().find((a) => a.key === r.key && a.origin === "auto");
    const n = networks.get(r.network);
    if (n && old && old.network === r.network && allocatable(n, parseIpv4(old.address)) && !taken.has(`${r.network} ${parseIpv4(old.address)}`)) put(r, parseIpv4(old.address), "auto");
    else fresh.push(r);
  }
  const rank = (k: string) => ({ vip: 0, machine: 1, ipmi: 2 } as Record<string, number>)[k.split("/")[0]!] ?? 3;
  for (const r of fresh.sort((a, b) => rank(a.key) - rank(b.key) || (a.key < b.key ? -1 : 1))) {
    const n = networks.get(r.network);
    if (!n) continue;
    for (let x = n.net.base; x <= n.net.last; x++) if (allocatable(n, x) && !taken.has(`${r.network} ${x}`)) { put(r, x, "auto"); break; }
  }
  return { version: 1, allocations: out.sort((a, b) => (a.network < b.network ? -1 : a.network > b.network ? 1 : parseIpv4(a.address) - parseIpv4(b.address) || (a.key < b.key ? -1 : 1))) };
}

