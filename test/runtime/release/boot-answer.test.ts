import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SetupOrder } from "../../../compiler/emit/setup/render-setup-order.js";
import { bootAnswer } from "../../../runtime/release/boot-answer.js";
import { EMPTY_RELEASE, type Release } from "../../../runtime/release/release.js";
import type { StatusRecord, StatusSnapshot } from "../../../runtime/state/status-store.js";

// Two machines due an install (one known by serial, one only by name) and one that boots its disk.
const order: SetupOrder = {
  format: 1,
  machines: [
    { fqdn: "a.c1.lab", hostname: "a", cluster: "c1", role: "compute", wave: 1, serial: "SA", installGeneration: 2 },
    { fqdn: "b.c1.lab", hostname: "b", cluster: "c1", role: "compute", wave: 1, installGeneration: 1 },
    { fqdn: "c.c1.lab", hostname: "c", cluster: "c1", role: "compute", wave: 1, serial: "SC" },
  ],
};
const release: Release = {
  id: "test",
  files: new Map([["setup/order.json", Buffer.from(JSON.stringify(order))]]),
  dhcp: {
    ...EMPTY_RELEASE.dhcp,
    reservations: [
      { mac: "52:54:00:00:00:0a", address: "10.0.0.10", hostname: "a", fqdn: "a.c1.lab", network: "pxe" },
      { mac: "52:54:00:00:00:1a", address: "10.0.0.10", hostname: "a", fqdn: "a.c1.lab", network: "pxe" },
      { mac: "52:54:00:00:00:0b", address: "10.0.0.11", hostname: "b", fqdn: "b.c1.lab", network: "pxe" },
      { mac: "52:54:00:00:00:0c", address: "10.0.0.12", hostname: "c", fqdn: "c.c1.lab", network: "pxe" },
    ],
  },
};

function reported(...records: Omit<StatusRecord, "at">[]): StatusSnapshot {
  const installed: Record<string, number> = {};
  const installedHosts: Record<string, number> = {};
  for (const r of records.filter((r) => r.status === "installed")) {
    installed[r.serial] = Math.max(installed[r.serial] ?? 0, r.generation ?? 1);
    if (r.hostname) installedHosts[r.hostname] = Math.max(installedHosts[r.hostname] ?? 0, r.generation ?? 1);
  }
  return { format: 1, machines: Object.fromEntries(records.map((r) => [r.serial, { ...r, at: 0 }])), succeeded: {}, installed, installedHosts };
}

const IPXE_A = "pxe/ipxe/52-54-00-00-00-0a.ipxe";
const PXELINUX_A2 = "pxe/pxelinux.cfg/01-52-54-00-00-00-1a";
const GRUB_A = "pxe/grub/grub.cfg-01-52-54-00-00-00-0a";

describe("boot answers follow the machine's life", () => {
  const cases: { name: string; status: StatusSnapshot; path: string; want: string; answer?: "install" | "local" }[] = [
    { name: "nothing reported: iPXE gets the install script", status: reported(), path: IPXE_A, want: IPXE_A, answer: "install" },
    { name: "installing: still the install script (an interrupted install starts again)", status: reported({ serial: "SA", status: "installing", generation: 2 }), path: IPXE_A, want: IPXE_A, answer: "install" },
    { name: "installed the generation asked: iPXE boots the disk", status: reported({ serial: "SA", status: "installed", generation: 2 }), path: IPXE_A, want: "pxe/ipxe/localboot.ipxe", answer: "local" },
    { name: "installed: pxelinux of its second boot NIC boots the disk", status: reported({ serial: "SA", status: "installed", generation: 2 }), path: PXELINUX_A2, want: "pxe/pxelinux.cfg/localboot", answer: "local" },
    { name: "installed: GRUB chainloads the disk", status: reported({ serial: "SA", status: "installed", generation: 2 }), path: GRUB_A, want: "pxe/grub/grub.cfg-localboot", answer: "local" },
    { name: "installed an older generation: the raised one installs again", status: reported({ serial: "SA", status: "installed", generation: 1 }), path: IPXE_A, want: IPXE_A, answer: "install" },
    { name: "installed, later puppet runs: still the disk", status: { ...reported({ serial: "SA", status: "installed", generation: 2 }), machines: { SA: { serial: "SA", status: "puppet-success", at: 1 } } }, path: IPXE_A, want: "pxe/ipxe/localboot.ipxe", answer: "local" },
    { name: "another serial installed under its name: not this machine", status: reported({ serial: "OTHER", hostname: "a.c1.lab", status: "installed", generation: 2 }), path: IPXE_A, want: IPXE_A, answer: "install" },
    { name: "no serial in the site: known by the FQDN the installer reported", status: reported({ serial: "DMI-B", hostname: "b.c1.lab", status: "installed", generation: 1 }), path: "pxe/ipxe/52-54-00-00-00-0b.ipxe", want: "pxe/ipxe/localboot.ipxe", answer: "local" },
    { name: "install: false: its own (local) script, untouched", status: reported(), path: "pxe/ipxe/52-54-00-00-00-0c.ipxe", want: "pxe/ipxe/52-54-00-00-00-0c.ipxe" },
    { name: "not a per-machine file", status: reported(), path: "pxe/ipxe/default.ipxe", want: "pxe/ipxe/default.ipxe" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const answer = bootAnswer(release, c.status, c.path);
      assert.equal(answer.path, c.want);
      assert.equal(answer.machine?.answer, c.answer);
    });
  }
});
