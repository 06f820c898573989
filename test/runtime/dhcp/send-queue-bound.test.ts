import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { SendQueueBound } from "../../../runtime/dhcp/send-queue-bound.js";
import { Metrics, setLogSink } from "../../../runtime/observe/metrics.js";

describe("the DHCP send queue's bound", () => {
  const lines: string[] = [];
  setLogSink((line) => lines.push(line));
  after(() => setLogSink((line) => process.stdout.write(line)));

  it("admits replies below the bound; past it drops them, counts each, and logs the episode once at each end", () => {
    const metrics = new Metrics();
    const bound = new SendQueueBound(metrics);
    const max = SendQueueBound.MAX_QUEUED_REPLIES;
    assert.equal(bound.admit(0), true);
    assert.equal(bound.admit(max - 1), true);
    assert.deepEqual([max, max + 5, max].map((q) => bound.admit(q)), [false, false, false]);
    assert.match(metrics.render(), /^oci_dhcp_replies_dropped_total\{reason="send_queue_full"\} 3$/m);
    assert.equal(bound.admit(max - 1), true);
    assert.equal(bound.admit(0), true);
    const events = lines.map((l) => JSON.parse(l) as { event: string; level: string; dropped?: number });
    assert.deepEqual(events.map((e) => [e.event, e.level]), [["dhcp.send_queue_full", "warn"], ["dhcp.send_queue_drained", "info"]]);
    assert.equal(events[1]!.dropped, 3);
  });
});
