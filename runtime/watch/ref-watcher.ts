import { watch, type FSWatcher } from "chokidar";
import { join } from "node:path";

export interface RefWatcher {
  close(): Promise<void>;
}

/**
 * Calls `onChange` whenever a branch of the repository may have moved: chokidar on `refs/heads/`
 * and `packed-refs` (git gc moves refs there), plus a timer, so a missed or coalesced filesystem
 * event delays an update by at most `recheckMs`. Events carry no meaning: the listener re-reads the
 * refs it cares about and compares with what it last applied.
 */
export function watchRefs(gitdir: string, onChange: () => void, recheckMs: number): RefWatcher {
  const watcher: FSWatcher = watch([join(gitdir, "refs", "heads"), join(gitdir, "packed-refs")], {
    ignoreInitial: true,
    ignored: (path) => path.endsWith(".lock"),
  });
  watcher.on("all", () => onChange());
  watcher.on("error", () => onChange());
  const timer = setInterval(onChange, recheckMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await watcher.close();
    },
  };
}
