import assert from "node:assert/strict";
import { appendFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { StatusStore } from "../../../runtime/state/status-store.js";
import { tempDir } from "../../helpers/temp-dirs.js";

describe("status store (snapshot + append-only journal)", () => {
  it("keeps every acknowledged record across a reopen, the latest per serial", async () => {
    const base = join(await tempDir("oci-status-"), "status");
    const store = await StatusStore.open(base);
    await Promise.all(Array.from({ length: 300 }, (_, i) => store.record({ serial: `SN${i % 100}`, status: i < 200 ? "installing" : "puppet-success", at: i })));
    // Not closed: as after a crash, only what is on disk counts.
    const reread = StatusStore.read(base);
    assert.equal(Object.keys(reread.machines).length, 100);
    assert.equal(reread.machines["SN7"]!.status, "puppet-success");
    assert.equal(Object.keys(reread.succeeded).length, 100);
    await store.close();
  });

  it("keeps since when each machine has had its status, what it reported at discovery, and the commit it installed from", async () => {
    const base = join(await tempDir("oci-status-"), "status");
    const store = await StatusStore.open(base);
    await store.record({ serial: "SN1", status: "discovered", macs: ["52:54:00:00:00:01"], address: "10.0.0.50", at: 100 });
    await store.record({ serial: "SN1", status: "installing", step: "partition", commit: "a".repeat(40), at: 200 });
    await store.record({ serial: "SN1", status: "installing", step: "debootstrap", commit: "a".repeat(40), at: 300 });
    await store.record({ serial: "SN1", status: "installed", commit: "b".repeat(40), at: 400 });
    const reread = StatusStore.read(base);
    assert.deepEqual(reread.discovered?.["SN1"], { macs: ["52:54:00:00:00:01"], address: "10.0.0.50", at: 100 });
    assert.deepEqual(reread.installedFrom?.["SN1"], { commit: "b".repeat(40), at: 400 }, "the commit served when it said installed");
    assert.equal(reread.since?.["SN1"], 400, "a new status starts its time");
    await store.record({ serial: "SN1", status: "installed", at: 500 });
    assert.equal(store.snapshot.since?.["SN1"], 400, "the same status again keeps it");
    await store.close();
  });

  it("group-commits: 300 concurrent records cost far fewer journal writes than records", async () => {
    const base = join(await tempDir("oci-status-"), "status");
    const store = await StatusStore.open(base);
    await Promise.all(Array.from({ length: 300 }, (_, i) => store.record({ serial: `S${i}`, status: "installed", at: i })));
    const journal = (await readFile(`${base}.journal`, "utf8")).trim().split("\n");
    assert.equal(journal.length, 300);
    assert.ok(store.syncs <= 10, `${store.syncs} fsyncs for 300 records`);
    await store.close();
  });

  it("ignores a torn last line (a crash mid-append) and keeps success once reached", async () => {
    const base = join(await tempDir("oci-status-"), "status");
    const store = await StatusStore.open(base);
    await store.record({ serial: "A1", status: "puppet-success", at: 1 });
    await store.record({ serial: "A1", status: "puppet-running", at: 2 });
    await store.close();
    await appendFile(`${base}.journal`, '{"serial":"A1","status":"puppet-fail');
    const reopened = await StatusStore.open(base);
    assert.equal(reopened.snapshot.machines["A1"]!.status, "puppet-running");
    assert.deepEqual(reopened.snapshot.succeeded, { A1: true });
    await reopened.close();
    // The reopen folded the journal into the snapshot and dropped the torn line.
    assert.equal(await readFile(`${base}.journal`, "utf8"), "");
  });
});
