/** The candidates nearest to `word` by edit distance (case-insensitive), nearest first, at most `limit`, within `maxDistance`. */
export function closestNames(word: string, candidates: readonly string[], maxDistance: number, limit = 1): string[] {
  const scored: [string, number][] = [];
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    // A suggestion must keep something of what was typed: "<<" is 2 edits from "ip" and means nothing like it.
    if (d <= maxDistance && d < Math.min(word.length, candidate.length)) scored.push([candidate, d]);
  }
  return scored.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit).map(([c]) => c);
}

export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
