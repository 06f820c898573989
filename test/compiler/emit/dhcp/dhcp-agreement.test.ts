import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OutputFile } from "../../../../compiler/index.js";
import { sampleSite } from "../../../helpers/paths.js";
import { compileToDirectory } from "../../../helpers/compile-site.js";
import { siteWithRelayAndTwoNics } from "../../../helpers/site-variants.js";
import { readDhcpdConf, readDnsmasqConf, readKeaJson, readReservationsJson, type DhcpFacts } from "./dhcp-forms.js";

function allForms(files: readonly OutputFile[]): Record<string, DhcpFacts> {
  const text = (path: string) => files.find((f) => f.path === path)!.content;
  return {
    dhcpd: readDhcpdConf(text("dhcp/dhcpd.conf")),
    kea: readKeaJson(text("dhcp/kea-dhcp4.json")),
    dnsmasq: readDnsmasqConf(text("dhcp/dnsmasq.conf")),
    embedded: readReservationsJson(text("dhcp/reservations.json")),
  };
}

describe("the four DHCP forms agree", () => {
  it("sample-site: every machine's MAC → IP → hostname, the boot files and the subnets are the same in all four", async () => {
    const { files, ir } = await compileToDirectory(sampleSite);
    const forms = allForms(files);
    const expected = ir!.machines.flatMap((m) => m.bootMacs.map((mac) => `${mac} ${m.interfaces.find((i) => i.network === "pxe")!.address} ${m.hostname}`)).sort();
    assert.equal(expected.length, 19);
    for (const [name, facts] of Object.entries(forms)) {
      assert.deepEqual(facts.reservations, expected, name);
      assert.deepEqual(facts.boot, { ipxe: "http://192.168.100.2/boot.ipxe", uefi: "snponly.efi", bios: "undionly.kpxe" }, name);
      assert.deepEqual(facts.subnets, ["192.168.100.0/24 192.168.100.200-192.168.100.250 "], name);
    }
  });

  it("relayed segments and machines with several boot NICs (MACs in any notation) agree too", async () => {
    const { files } = await compileToDirectory(await siteWithRelayAndTwoNics());
    const forms = allForms(files);
    const reference = forms.embedded!;
    assert.ok(reference.reservations.includes("52:54:00:10:00:01 192.168.10.10 c1-ctl-1"));
    assert.ok(reference.reservations.includes("52:54:00:aa:bb:01 192.168.10.10 c1-ctl-1"), "Cisco-dotted uppercase MAC normalised");
    assert.ok(reference.reservations.some((r) => r.startsWith("52:54:00:10:00:04 192.168.20.")), "the rack-2 compute is reserved on the relayed network");
    assert.deepEqual(reference.subnets, ["192.168.10.0/24 192.168.10.200-192.168.10.220 ", "192.168.20.0/24 192.168.20.200-192.168.20.220 192.168.20.1"]);
    for (const [name, facts] of Object.entries(forms)) assert.deepEqual(facts, reference, name);
  });

  it("a machine without boot MACs gets no reservation", async () => {
    const { files, ir } = await compileToDirectory(sampleSite);
    const known = new Set(ir!.machines.flatMap((m) => m.bootMacs));
    const reserved = readReservationsJson(files.find((f) => f.path === "dhcp/reservations.json")!.content).reservations.map((r) => r.split(" ")[0]!);
    assert.deepEqual(new Set(reserved), known);
  });
});
