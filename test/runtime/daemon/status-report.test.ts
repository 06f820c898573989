import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatStatusView, statusView } from "../../../runtime/daemon/status-report.js";

describe("oci status", () => {
  it("shows why an install failed: the step and the detail the installer sent", () => {
    const order = { format: 1 as const, machines: [{ fqdn: "c1-cmp-1.c1.example.org", hostname: "c1-cmp-1", cluster: "c1", role: "compute", wave: 1, serial: "SN1" }] };
    const detail = "E: Failed getting release file http://deb.debian.org/debian/dists/bookworm/Release";
    const view = statusView(undefined, order, {
      format: 1, succeeded: {},
      machines: { SN1: { serial: "SN1", status: "install-failed", step: "debootstrap", detail, at: 1 } },
    });
    assert.equal(view.machines[0]?.detail, detail);
    assert.match(formatStatusView(view), new RegExp(`^c1-cmp-1\\.c1\\.example\\.org: install-failed at debootstrap: ${detail.replace(/[.]/g, "\\.")}$`, "m"));
  });
});
