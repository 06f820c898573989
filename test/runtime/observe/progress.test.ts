import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { progressOn } from "../../../runtime/observe/progress.js";

/** A stream that keeps what is written, and a clock the test moves. */
function harness(bar: boolean) {
  const written: string[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => (written.push(chunk.toString()), done()) });
  let t = 1_000;
  const progress = progressOn(stream, { bar, quietMs: 2_000, everyMs: 5_000, now: () => t });
  return { written, progress, at: (ms: number) => (t = 1_000 + ms) };
}

describe("progress on stderr", () => {
  it("a daemon's next piece of work has a quiet time of its own: a short compile after a long one says nothing", () => {
    const { written, progress, at } = harness(false);
    progress.sink("certificates", 0, 10);
    at(3_000);
    progress.sink("certificates", 10, 10);
    progress.finish();
    const shown = written.length;
    assert.equal(shown, 1);
    at(600_000);
    progress.sink("secrets", 0, 5);
    at(601_000);
    progress.sink("secrets", 5, 5);
    progress.finish();
    assert.equal(written.length, shown);
  });

  it("says nothing for work done within the quiet time", () => {
    const { written, progress, at } = harness(false);
    for (let i = 0; i <= 100; i++) (at(i * 10), progress.sink("certificates", i, 100));
    progress.finish();
    assert.deepEqual(written, []);
  });

  it("without a terminal: a line once the quiet time passed, then one per interval, and the end of a phase it showed", () => {
    const { written, progress, at } = harness(false);
    const steps: [number, number][] = [[0, 0], [500, 10], [2_100, 200], [3_000, 300], [7_100, 700], [8_000, 800], [8_500, 1000]];
    for (const [ms, done] of steps) (at(ms), progress.sink("certificates", done, 1000));
    at(8_600);
    progress.sink("secrets", 5, 5); // a phase never shown, ending within the interval: nothing
    progress.finish();
    assert.deepEqual(written, ["oci: certificates 200/1000 (20%)\n", "oci: certificates 700/1000 (70%)\n", "oci: certificates 1000/1000 (100%)\n"]);
  });

  it("on a terminal: one bar line redrawn in place, at most ten times a second, cleared at the end", () => {
    const { written, progress, at } = harness(true);
    progress.sink("certificates", 0, 4);
    at(2_000);
    progress.sink("certificates", 1, 4);
    at(2_050);
    progress.sink("certificates", 2, 4); // within 100 ms: not drawn
    at(2_200);
    progress.sink("certificates", 4, 4);
    progress.finish();
    assert.deepEqual(written, [
      `\r\x1b[2Koci: [########${" ".repeat(22)}] certificates 1/4 (25%)`,
      `\r\x1b[2Koci: [${"#".repeat(30)}] certificates 4/4 (100%)`,
      "\r\x1b[2K",
    ]);
  });
});
