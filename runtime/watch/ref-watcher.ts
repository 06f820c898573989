import { existsSync, readdirSync, watch, type FSWatcher } from "node:fs";
import { join } from "node:path";

export interface RefWatcher {
  close(): Promise<void>;
}

/**
 * Calls `onChange` whenever a branch of the repository may have moved: node's fs.watch on
 * `refs/heads/` and each folder under it (a branch `oci/rendered` is a file in `refs/heads/oci/`),
 * and on the repository folder for `packed-refs` (git gc moves refs there), plus a timer, so a
 * missed event delays an update by at most `recheckMs`. Events carry no meaning: the listener
 * re-reads the refs it cares about and compares with what it last applied. The folders are watched
 * when this returns.
 *
 * Not chokidar, which watches each ref file and re-arms its watcher when git's lock-file rename
 * replaces the file: one ref update in 50 fell between the two and waited for the re-check (4.9 s
 * against 60 ms, `npm run bench latency`), and it reports nothing until its first scan is done.
 * Nor fs.watch's recursive mode, whose implementation on Linux lost every event for a branch made
 * again after `git pack-refs` (measured here). A folder's own watcher sees every rename into it.
 */
export function watchRefs(gitdir: string, onChange: () => void, recheckMs: number): RefWatcher {
  const watchers = new Map<string, FSWatcher>();
  let closed = false;
  const stop = (dir: string) => {
    watchers.get(dir)?.close();
    watchers.delete(dir);
  };
  const folders = (dir: string) => {
    try {
      return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
    } catch {
      return [];
    }
  };
  const watchFolder = (dir: string) => {
    if (closed || watchers.has(dir)) return;
    try {
      const watcher = watch(dir, (event, name) => {
        if (name?.endsWith(".lock")) return; // git's lock file: the rename that follows it is the update
        onChange();
        if (event !== "rename") return;
        // A folder made (a new branch a/b) is watched too, and read once more after: its branch may
        // have been written before its watch began. One removed (git pack-refs) is let go.
        if (!existsSync(dir)) return stop(dir);
        const before = watchers.size;
        for (const sub of folders(dir)) watchFolder(sub);
        if (watchers.size > before) onChange();
      });
      watcher.on("error", () => {
        stop(dir);
        onChange();
      });
      watchers.set(dir, watcher);
    } catch {
      return; // gone already: the timer still re-checks
    }
    for (const sub of folders(dir)) watchFolder(sub);
  };
  watchFolder(join(gitdir, "refs", "heads"));
  let packed: FSWatcher | undefined;
  try {
    packed = watch(gitdir, (_event, name) => {
      if (name === "packed-refs") onChange();
    });
    packed.on("error", () => onChange());
  } catch {
    packed = undefined;
  }
  const timer = setInterval(onChange, recheckMs);
  timer.unref();
  return {
    async close() {
      closed = true;
      clearInterval(timer);
      packed?.close();
      for (const dir of [...watchers.keys()]) stop(dir);
    },
  };
}
