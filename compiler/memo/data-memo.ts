/**
 * Text made from plain data, kept by path: made again only when the data's JSON differs. For
 * files whose data is cheap to build and costly to write out (a 10,000-machine site's cluster hiera
 * is 20 files of 77 KB of YAML). The data must be what JSON keeps exactly (no undefined in a list,
 * no NaN): its JSON then holds all the text is made from, and a stale entry cannot be hit.
 */
export class DataMemo {
  #kept = new Map<string, { readonly json: string; readonly text: string }>();
  #hits = 0;
  #misses = 0;

  text(path: string, data: unknown, make: () => string): string {
    const json = JSON.stringify(data);
    const kept = this.#kept.get(path);
    if (kept?.json === json) {
      this.#hits++;
      return kept.text;
    }
    this.#misses++;
    const text = make();
    this.#kept.set(path, { json, text });
    return text;
  }

  /** Forgets the paths not in `paths` (files no longer made). */
  retain(paths: ReadonlySet<string>): void {
    for (const path of this.#kept.keys()) if (!paths.has(path)) this.#kept.delete(path);
  }

  get stats(): { hits: number; misses: number } {
    return { hits: this.#hits, misses: this.#misses };
  }
}
