import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SetupOrder } from "../../../compiler/emit/setup/render-setup-order.js";
import { discoveredRecord, formatInventory, machineInventory } from "../../../runtime/inventory/machine-inventory.js";
import type { StatusSnapshot } from "../../../runtime/state/status-store.js";

const RENDERED = "a".repeat(40);
const APPLIED = "b".repeat(40);
const order: SetupOrder = {
  format: 1,
  machines: [
    { fqdn: "c1-ctl-1.c1.example.org", hostname: "c1-ctl-1", cluster: "c1", role: "controller", wave: 0, serial: "SN1", bootMacs: ["52:54:00:00:00:01"], pxeAddress: "10.0.0.11" },
    { fqdn: "c1-cmp-1.c1.example.org", hostname: "c1-cmp-1", cluster: "c1", role: "compute", wave: 1, bootMacs: ["52:54:00:00:00:02"], pxeAddress: "10.0.0.12" },
    { fqdn: "c2-cmp-1.c2.example.org", hostname: "c2-cmp-1", cluster: "c2", role: "compute", wave: 1, serial: "SN3" },
  ],
};
const status: StatusSnapshot = {
  format: 1,
  machines: {
    SN1: { serial: "SN1", status: "puppet-success", commit: APPLIED, at: Date.UTC(2026, 10, 30, 12) },
    // Reported by the FQDN it installed as: the site gives it no serial.
    SN2: { serial: "SN2", hostname: "c1-cmp-1.c1.example.org", status: "install-failed", step: "debootstrap", detail: "E: Release file", at: Date.UTC(2026, 10, 30, 13) },
    NEW1: discoveredRecord({ serial: "NEW1", nics: [{ name: "eno1", mac: "52-54-00-AA-00-01" }, { name: "eno2", mac: "52:54:00:aa:00:02" }] }, "::ffff:10.0.0.200", Date.UTC(2026, 10, 30, 14)),
  },
  succeeded: { SN1: true },
  applied: { SN1: { commit: APPLIED, at: Date.UTC(2026, 10, 30, 12) } },
  installedFrom: { SN1: { commit: RENDERED, at: Date.UTC(2026, 10, 30, 11) } },
  // SN1 has been puppet-success since 11:30; its 12:00 report said the same.
  since: { SN1: Date.UTC(2026, 10, 30, 11, 30) },
  discovered: { NEW1: { macs: ["52:54:00:aa:00:01", "52:54:00:aa:00:02"], address: "10.0.0.200", at: Date.UTC(2026, 10, 30, 14) } },
};

describe("oci machines: the release's machines and the discovered ones", () => {
  it("joins each machine of the release to its latest report, by serial or by the FQDN it installed as, and lists the unassigned after", () => {
    assert.deepEqual(machineInventory(order, status), [
      {
        fqdn: "c1-ctl-1.c1.example.org", serial: "SN1", cluster: "c1", role: "controller", macs: ["52:54:00:00:00:01"], address: "10.0.0.11",
        status: "puppet-success", lastReport: "2026-11-30T12:00:00.000Z", since: "2026-11-30T11:30:00.000Z", installedFrom: RENDERED, applied: APPLIED,
      },
      {
        fqdn: "c1-cmp-1.c1.example.org", serial: "SN2", cluster: "c1", role: "compute", macs: ["52:54:00:00:00:02"], address: "10.0.0.12",
        status: "install-failed", step: "debootstrap", lastReport: "2026-11-30T13:00:00.000Z", since: "2026-11-30T13:00:00.000Z", detail: "E: Release file",
      },
      { fqdn: "c2-cmp-1.c2.example.org", serial: "SN3", cluster: "c2", role: "compute", macs: [], status: "-" },
      { serial: "NEW1", macs: ["52:54:00:aa:00:01", "52:54:00:aa:00:02"], address: "10.0.0.200", status: "discovered", lastReport: "2026-11-30T14:00:00.000Z", since: "2026-11-30T14:00:00.000Z" },
    ]);
  });

  it("filters by cluster, role, status and unassigned", () => {
    const fqdns = (filter: Parameters<typeof machineInventory>[2]) => machineInventory(order, status, filter).map((r) => r.fqdn ?? r.serial);
    assert.deepEqual(fqdns({ cluster: "c1" }), ["c1-ctl-1.c1.example.org", "c1-cmp-1.c1.example.org"]);
    assert.deepEqual(fqdns({ role: "compute" }), ["c1-cmp-1.c1.example.org", "c2-cmp-1.c2.example.org"]);
    assert.deepEqual(fqdns({ status: "-" }), ["c2-cmp-1.c2.example.org"]);
    assert.deepEqual(fqdns({ unassigned: true }), ["NEW1"]);
    assert.deepEqual(fqdns({ cluster: "c1", status: "install-failed" }), ["c1-cmp-1.c1.example.org"]);
  });

  it("prints one row per machine and the failure under the table", () => {
    const text = formatInventory(machineInventory(order, status));
    assert.match(text, /^MACHINE\s+SERIAL\s+CLUSTER\s+ROLE\s+ADDRESS\s+MACS\s+STATUS\s+LAST REPORT\s+INSTALLED FROM\s+APPLIED$/m);
    assert.match(text, /^c1-ctl-1\.c1\.example\.org\s+SN1\s+c1\s+controller\s+10\.0\.0\.11\s+52:54:00:00:00:01\s+puppet-success\s+2026-11-30T12:00:00\.000Z\s+aaaaaaaaaaaa\s+bbbbbbbbbbbb$/m);
    assert.match(text, /^\(unassigned\)\s+NEW1\s+-\s+-\s+10\.0\.0\.200\s+52:54:00:aa:00:01,52:54:00:aa:00:02\s+discovered\s/m);
    assert.match(text, /^c1-cmp-1\.c1\.example\.org: install-failed at debootstrap: E: Release file$/m);
    assert.equal(formatInventory([]), "no machines\n");
  });
});
