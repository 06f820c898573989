/**
 * A seeded generator of integers in [0, n): mulberry32. A linear congruential generator taken
 * modulo a small n repeats with a short period in its low bits, which leaves cases untried.
 */
export function seededRandom(seed: number): (n: number) => number {
  let state = seed | 0;
  return (n) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}
