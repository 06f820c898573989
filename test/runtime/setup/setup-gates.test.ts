import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SetupOrder } from "../../../compiler/emit/setup/render-setup-order.js";
import { setupGates } from "../../../runtime/setup/setup-gates.js";
import type { StatusSnapshot } from "../../../runtime/state/status-store.js";

const order: SetupOrder = {
  format: 1,
  machines: [
    { fqdn: "mon1.a", hostname: "mon1", cluster: "a", role: "cephmon", wave: 1, serial: "M1" },
    { fqdn: "mon2.a", hostname: "mon2", cluster: "a", role: "cephmon", wave: 1, serial: "M2" },
    { fqdn: "osd1.a", hostname: "osd1", cluster: "a", role: "cephosd", wave: 2, serial: "O1" },
    { fqdn: "ctl1.a", hostname: "ctl1", cluster: "a", role: "controller", wave: 3 },
    { fqdn: "cmp1.a", hostname: "cmp1", cluster: "a", role: "compute", wave: 4, serial: "C1" },
    { fqdn: "ctl1.b", hostname: "ctl1", cluster: "b", role: "controller", wave: 1, serial: "B1" },
  ],
};

function status(succeeded: string[], hostnames: Record<string, string> = {}): StatusSnapshot {
  const machines = Object.fromEntries(succeeded.map((s) => [s, { serial: s, status: "puppet-success" as const, at: 0, ...(hostnames[s] ? { hostname: hostnames[s] } : {}) }]));
  return { format: 1, machines, succeeded: Object.fromEntries(succeeded.map((s) => [s, true as const])) };
}

describe("setup gates", () => {
  it("opens only the first wave of each cluster when nothing has succeeded", () => {
    const gates = setupGates(order, status([]));
    assert.deepEqual([...gates].filter(([, g]) => g.open).map(([f]) => f), ["mon1.a", "mon2.a", "ctl1.b"]);
    assert.deepEqual(gates.get("cmp1.a")!.waitingFor, ["ctl1.a", "mon1.a", "mon2.a", "osd1.a"]);
  });

  it("opens a wave once every earlier wave of the same cluster succeeded, never across clusters", () => {
    assert.equal(setupGates(order, status(["M1"])).get("osd1.a")!.open, false);
    const gates = setupGates(order, status(["M1", "M2"]));
    assert.equal(gates.get("osd1.a")!.open, true);
    assert.deepEqual(gates.get("ctl1.a")!.waitingFor, ["osd1.a"]);
  });

  it("knows a machine without serial by the hostname its report names", () => {
    const gates = setupGates(order, status(["M1", "M2", "O1", "X9"], { X9: "ctl1.a" }));
    assert.equal(gates.get("cmp1.a")!.open, true);
  });
});
