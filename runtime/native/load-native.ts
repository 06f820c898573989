import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const loaded = new Map<string, { module?: unknown; reason?: string }>();

/**
 * A Node-API module `npm run build` compiled into dist/native (native/*.c), loaded once; or why it
 * is not there (no C compiler at build time), so the caller can fall back and say so.
 */
export function nativeModule<T>(name: string): { module?: T; reason?: string } {
  let entry = loaded.get(name);
  if (!entry) {
    const path = fileURLToPath(new URL(`../../native/${name}.node`, import.meta.url));
    try {
      entry = { module: createRequire(import.meta.url)(path) as unknown };
    } catch (error) {
      entry = { reason: `${path}: ${(error as Error).message.split("\n")[0]}` };
    }
    loaded.set(name, entry);
  }
  return entry as { module?: T; reason?: string };
}
