import { execFile } from "node:child_process";
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * Flushes every file written so far on the filesystem holding `path`: coreutils' `sync
 * --file-system`, which is syncfs(2). One call for thousands of objects or published files,
 * where an fsync each would cost a journal commit each.
 */
export async function syncFilesystem(path: string): Promise<void> {
  await run("sync", ["--file-system", path]);
}

/** Makes a rename or a new entry in `dir` durable. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `path` with `content` so that a crash or power loss leaves the old file or the new one: write, fsync, rename, fsync the directory. */
export function writeFileDurably(path: string, content: string): void {
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, "w");
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  const dir = openSync(dirname(path), "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
