/**
 * The results of a pure function kept per object, reused while its other inputs are the same: each
 * `part` compared with `===` (strings by value). The key object must not change (a frozen
 * document, an IR node): an entry lives as long as its key does.
 */
export class KeyedMemo<K extends object, V> {
  #entries = new WeakMap<K, { readonly parts: readonly unknown[]; readonly value: V }>();
  #hits = 0;
  #misses = 0;

  get(key: K, parts: readonly unknown[], make: () => V): V {
    const entry = this.#entries.get(key);
    if (entry && sameParts(entry.parts, parts)) {
      this.#hits++;
      return entry.value;
    }
    this.#misses++;
    const value = make();
    this.#entries.set(key, { parts, value });
    return value;
  }

  get stats(): { hits: number; misses: number } {
    return { hits: this.#hits, misses: this.#misses };
  }
}

function sameParts(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
