import { DigestMemo } from "./emit/manifest/render-manifest.js";
import type { OutputFile } from "./emit/output-file.js";
import { SiteFileCache } from "./load/site-file-cache.js";
import { KeyedMemo } from "./memo/keyed-memo.js";
import type { MachineIR } from "./resolve/site-ir.js";
import type { MachineDoc } from "./validate/site-model.js";

/** What the per-machine emitters keep: a machine's file, by its resolved machine and the rest of what the file is made of. */
export interface EmitMemo {
  readonly nodeHiera: KeyedMemo<MachineIR, OutputFile>;
  readonly enc: KeyedMemo<MachineIR, OutputFile>;
  /** The manifest's digests, by path and content. */
  readonly digests: DigestMemo;
}

/**
 * Results of earlier compiles in one process (the daemon's apply loop, `oci plan`'s two
 * revisions), so that a change costs about what it changed:
 * - each file's parse and schema verdict, by path and bytes;
 * - each machine's resolution, by its (shared, frozen) document and everything else it reads;
 * - each machine's hiera and ENC file, by its resolved machine and everything else they read;
 * - the manifest's digest of each file, by path and content.
 * Work across machines (references, IPAM, waves, cluster hiera, DHCP) is done on every compile.
 */
export class CompileCache {
  readonly files = new SiteFileCache();
  readonly machines = new KeyedMemo<MachineDoc, MachineIR>();
  readonly emitted: EmitMemo = { nodeHiera: new KeyedMemo(), enc: new KeyedMemo(), digests: new DigestMemo() };
}
