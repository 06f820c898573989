import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * A full collection after a compile (the daemon's render worker, the warm plan process), once the
 * heap has grown to twice what was live after the last one. A 10,000-machine compile leaves about
 * 300 MB of garbage on a live heap of 460 MB, and V8 let the heap grow far beyond that before it
 * collected: over 25 commits `oci serve`'s RSS swung between 1.3 and 2.2 GB. It used to collect at
 * every commit only because each sent a 107 MB buffer to the daemon's thread (external memory
 * forces a collection); since only what changed is sent, nothing did. The warm plan process, which
 * sends nothing across threads, grew from 0.9 to 2.3 GB over five plans. Run after the reply is
 * sent: no one waits for it. V8's gc() is reached by turning its flag on and reading it from a
 * fresh context.
 */
export function collectIfGrown(): void {
  const { total_heap_size: total } = getHeapStatistics();
  if (collecting || total < Math.max(2 * liveAfterCollection, MIN_COLLECTED_HEAP)) return;
  // Incremental, between the worker's tasks: a stop-the-world one took both cores for its length,
  // and the daemon's thread stalled 279 ms (51 ms without).
  collecting = true;
  void collectGarbage({ type: "major", execution: "async" }).then(() => {
    collecting = false;
    liveAfterCollection = getHeapStatistics().used_heap_size;
  });
}

let collecting = false;

const MIN_COLLECTED_HEAP = 256 * 1024 * 1024;
let liveAfterCollection = 0;
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as (options: { type: "major"; execution: "async" }) => Promise<void>;
