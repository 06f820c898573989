import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { compile } from "../../../compiler/index.js";
import { DirectoryTree } from "../../../compiler/load/directory-tree.js";
import { fixtures, sampleSite } from "../../helpers/paths.js";
import { copySite } from "../../helpers/temp-dirs.js";

/** A node's systemd-networkd files and its interfaces, as the render's hiera holds them. */
async function networkOf(site: string, fqdn: string): Promise<{ files?: Record<string, string>; interfaces: Record<string, unknown>[] }> {
  const result = await compile({ tree: new DirectoryTree(site) });
  assert.ok(result.files, JSON.stringify(result.diagnostics));
  const node = parse(result.files.find((f) => f.path === `hiera/nodes/${fqdn}.yaml`)!.content) as Record<string, unknown>;
  return { files: node["oci::network::files"] as Record<string, string> | undefined, interfaces: node["oci::node::interfaces"] as Record<string, unknown>[] };
}

describe("every interface configured: systemd-networkd files from the site", () => {
  it("a boot NIC carrying pxe untagged and the management VLAN, and an active-backup bond with jumbo frames", async () => {
    const { files, interfaces } = await networkOf(join(fixtures, "install-site"), "c1-dns-1.c1.lab.test");
    assert.deepEqual(Object.keys(files!), [
      "10-oci-enx525400e2e001.link", "10-oci-enx525400e2e002.link", "10-oci-enx525400e2e003.link",
      "20-oci-bond0.netdev", "20-oci-vlan10.netdev",
      "30-oci-enx525400e2e002.network", "30-oci-enx525400e2e003.network",
      "40-oci-bond0.network", "40-oci-enx525400e2e001.network", "50-oci-vlan10.network",
    ]);
    // NICs are named by their permanent MAC, so the VLAN and the bond, which inherit a MAC, are not renamed too.
    assert.equal(files!["10-oci-enx525400e2e001.link"], "[Match]\nPermanentMACAddress=52:54:00:e2:e0:01\nType=ether\n\n[Link]\nName=enx525400e2e001\n");
    assert.match(files!["20-oci-bond0.netdev"]!, /^Kind=bond$[\s\S]*^Mode=active-backup$/m);
    assert.match(files!["20-oci-vlan10.netdev"]!, /^Kind=vlan$[\s\S]*^Id=10$/m);
    assert.equal(files!["30-oci-enx525400e2e002.network"], "[Match]\nName=enx525400e2e002\n\n[Network]\nBond=bond0\n");
    const pxe = interfaces.find((i) => i["network"] === "pxe")!;
    const management = interfaces.find((i) => i["network"] === "management")!;
    const storage = interfaces.find((i) => i["network"] === "storage")!;
    assert.deepEqual([pxe["device"], management["device"], storage["device"]], ["enx525400e2e001", "vlan10", "bond0"]);
    // The parent's MTU is at least its VLAN's; the default route, resolvers and NTP on the network the machine says.
    const boot = files!["40-oci-enx525400e2e001.network"]!;
    assert.match(boot, new RegExp(`^Address=${String(pxe["address"]).replace(/\./g, "\\.")}/24$`, "m"));
    assert.match(boot, /^MTUBytes=1500$/m);
    assert.match(boot, /^Gateway=192\.168\.100\.1$/m);
    assert.match(boot, /^DNS=192\.168\.100\.2$/m);
    assert.match(boot, /^NTP=192\.168\.100\.2$/m);
    assert.match(boot, /^Domains=lab\.test$/m);
    assert.match(boot, /^VLAN=vlan10$/m);
    assert.match(files!["50-oci-vlan10.network"]!, new RegExp(`^MTUBytes=1400$[\\s\\S]*^Address=${String(management["address"]).replace(/\./g, "\\.")}/24$`, "m"));
    assert.doesNotMatch(files!["50-oci-vlan10.network"]!, /Gateway=/);
    assert.match(files!["40-oci-bond0.network"]!, /^MTUBytes=9000$[\s\S]*^Address=10\.30\.0\.\d+\/24$/m);
  });

  it("sample-site: VLANs named <parent>.<vlan> on a NIC known by name, whose MTU is its largest VLAN's; the default route on management", async () => {
    const { files } = await networkOf(sampleSite, "cl1-compute-1.cl1.example.com");
    assert.match(files!["40-oci-eno2.network"]!, /^MTUBytes=9000$[\s\S]*^VLAN=eno2\.10$\n^VLAN=eno2\.40$\n^VLAN=eno2\.50$/m);
    assert.equal(files!["10-oci-eno2.link"], undefined, "a NIC the site gives no MAC for is matched by its name, not renamed");
    assert.match(files!["10-oci-eno1.link"]!, /^PermanentMACAddress=52:54:00:00:00:04$[\s\S]*^Name=eno1$/m);
    assert.match(files!["50-oci-eno2.10.network"]!, /^Gateway=10\.10\.0\.1$/m);
    assert.doesNotMatch(files!["40-oci-eno1.network"]!, /Gateway=/);
  });

  it("a machine with no boot MAC yet, whose interfaces name no NIC, gets no network files (nothing for Puppet to purge or guess)", async () => {
    const site = await copySite(join(fixtures, "install-site"));
    await writeFile(join(site, "clusters/c1/machines/c1-ctl-1.yaml"), "apiVersion: oci/v1\nkind: Machine\nhostname: c1-ctl-1\nrole: controller\ninterfaces:\n  - network: pxe\n  - network: management\n    device: eno2.10\n");
    const { files, interfaces } = await networkOf(site, "c1-ctl-1.c1.lab.test");
    assert.equal(files, undefined);
    assert.equal(interfaces.length, 2);
  });

  it("the same site gives the same bytes", async () => {
    const a = await networkOf(join(fixtures, "install-site"), "c1-dns-1.c1.lab.test");
    const b = await networkOf(join(fixtures, "install-site"), "c1-dns-1.c1.lab.test");
    assert.deepEqual(a, b);
  });
});
