/**
 * A compile reports every secret and certificate it goes through (30,000 at 10,000 machines), which
 * the daemon's thread (or a warm plan's client) would receive one message each: a phase's start,
 * its end, and a step every 200 ms are enough for a progress line.
 */
export function throttledProgress(sink: (phase: string, done: number, total: number) => void): (phase: string, done: number, total: number) => void {
  let lastPhase = "";
  let lastAt = 0;
  return (phase, done, total) => {
    const now = performance.now();
    if (phase === lastPhase && done !== 0 && done < total && now - lastAt < 200) return;
    lastPhase = phase;
    lastAt = now;
    sink(phase, done, total);
  };
}
