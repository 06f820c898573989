import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import type { SourcePosition } from "../diagnostics/diagnostic.js";

export type DocumentPath = readonly (string | number)[];

/**
 * One parsed YAML file, kept with its node ranges so any value can be traced to file:line:col. A file
 * kept between compiles may `forget` its parse (a parsed document weighs about ten times its text):
 * the next position asked for parses the text again, the same way.
 */
export class SourceFile {
  #document: Document | undefined;
  #lines: LineCounter | undefined;

  constructor(
    readonly path: string,
    document: Document,
    lines: LineCounter,
    readonly text?: string,
  ) {
    this.#document = document;
    this.#lines = lines;
  }

  get document(): Document {
    if (!this.#document) this.#parse();
    return this.#document!;
  }

  get lines(): LineCounter {
    if (!this.#lines) this.#parse();
    return this.#lines!;
  }

  /** Drops the parsed document when the text is kept to parse again. */
  forget(): void {
    if (this.text === undefined) return;
    this.#document = undefined;
    this.#lines = undefined;
  }

  #parse(): void {
    const lines = new LineCounter();
    this.#document = parseDocument(this.text!, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    this.#lines = lines;
  }

  at(offset: number): SourcePosition {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.path, line, col };
  }

  start(): SourcePosition {
    const contents = this.document.contents;
    return this.at(contents?.range?.[0] ?? 0);
  }

  /** Position of the value at `path`, or of its nearest existing ancestor. */
  valueAt(path: DocumentPath): SourcePosition {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = this.document.getIn(path.slice(0, depth), true) as Node | undefined;
      if (node !== undefined && node !== null && typeof node === "object" && "range" in node && node.range) {
        return this.at(node.range[0]);
      }
    }
    return this.start();
  }

  /** Position of the key `key` inside the mapping at `parent` (falls back to the mapping). */
  keyAt(parent: DocumentPath, key: string): SourcePosition {
    const map = parent.length === 0 ? this.document.contents : this.document.getIn(parent, true);
    if (isMap(map)) {
      for (const pair of map.items) {
        if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) {
          return this.at(pair.key.range[0]);
        }
      }
    }
    return this.valueAt(parent);
  }

  /** Position of the `index`-th item of the sequence at `parent`. */
  itemAt(parent: DocumentPath, index: number): SourcePosition {
    const seq = this.document.getIn(parent, true);
    if (isSeq(seq)) {
      const item = seq.items[index] as Node | undefined;
      if (item && typeof item === "object" && "range" in item && item.range) return this.at(item.range[0]);
    }
    return this.valueAt(parent);
  }
}
