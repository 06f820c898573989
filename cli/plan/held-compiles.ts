import type { CompileResult, PreviousRender } from "../../compiler/index.js";
import { previousFileUse } from "../../compiler/secrets/credentials.js";

/** A compile's result with all it was made from, but for the system's clock (sameUntil) and randomness. */
interface HeldCompile {
  readonly treeId: string;
  readonly hadPrevious: boolean;
  /** Every file the compile read of its previous render, with what it read (undefined: absent). */
  readonly reads: ReadonlyMap<string, string | undefined>;
  /** The previous render's label, when a diagnostic of the result names it; else any label gives the same result. */
  readonly label?: string;
  readonly result: CompileResult;
}

/**
 * The last compiles a plan process made, each given again to a compile of the same source tree
 * whose previous render holds the same content at every path it read (of a hiera file: the same
 * encrypted values, all a compile takes of it), before its credentials' `sameUntil`: such a compile
 * would take exactly what that one took, and so give what it gave. A repeated plan compiles
 * nothing; one after a new HEAD commit compiles HEAD only; one after main moved by a change that
 * touched no address, secret or certificate compiles HEAD only too. For compiles with the system's
 * ports, without a keystore or secrets to rotate (what `oci plan` makes).
 */
export class HeldCompiles {
  #held: HeldCompile[] = [];

  /** `now`: the clock held results are checked against, ms since the epoch. */
  constructor(private readonly now: () => number = Date.now, private readonly keep = 2) {}

  async compile(treeId: string, previous: PreviousRender | undefined, make: (previous: PreviousRender | undefined) => Promise<CompileResult>): Promise<CompileResult> {
    for (const held of this.#held) {
      if (await this.#madeOfTheSame(held, treeId, previous)) {
        this.#held = [held, ...this.#held.filter((h) => h !== held)];
        return held.result;
      }
    }
    const reads = new Map<string, string | undefined>();
    const result = await make(previous && recordingReads(previous, reads));
    const namesPrevious = previous !== undefined && result.diagnostics.some((d) => d.file.startsWith(previous.label));
    const held: HeldCompile = { treeId, hadPrevious: previous !== undefined, reads, ...(namesPrevious ? { label: previous.label } : {}), result };
    this.#held = [held, ...this.#held].slice(0, this.keep);
    return result;
  }

  async #madeOfTheSame(held: HeldCompile, treeId: string, previous: PreviousRender | undefined): Promise<boolean> {
    if (held.treeId !== treeId || held.hadPrevious !== (previous !== undefined)) return false;
    if (held.label !== undefined && held.label !== previous?.label) return false;
    if (this.now() > (held.result.credentials?.sameUntil ?? Infinity)) return false;
    for (const [path, text] of held.reads) {
      const now = previous!.readFileNow ? previous!.readFileNow(path) : await previous!.readFile(path);
      if (now !== text && previousFileUse(path, now) !== previousFileUse(path, text)) return false;
    }
    return true;
  }
}

/** `previous`, noting the first answer to each path read. */
function recordingReads(previous: PreviousRender, reads: Map<string, string | undefined>): PreviousRender {
  const noted = (path: string, text: string | undefined) => {
    if (!reads.has(path)) reads.set(path, text);
    return text;
  };
  const { readFileNow } = previous;
  return {
    label: previous.label,
    readFile: async (path) => noted(path, await previous.readFile(path)),
    ...(readFileNow ? { readFileNow: (path: string) => noted(path, readFileNow(path)) } : {}),
  };
}
