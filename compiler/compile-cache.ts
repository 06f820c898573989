import { DigestMemo } from "./emit/manifest/render-manifest.js";
import type { OutputFile } from "./emit/output-file.js";
import { SiteFileCache } from "./load/site-file-cache.js";
import { CredentialMemo } from "./secrets/credentials.js";
import { KeyedMemo } from "./memo/keyed-memo.js";
import { DataMemo } from "./memo/data-memo.js";
import type { HieraMemo } from "./emit/hiera/render-hiera.js";
import type { BootHostIR } from "./resolve/boot-plan.js";
import type { ResolveMemo } from "./resolve/resolve-site.js";
import type { IpamAllocation, IpamState, MachineIR } from "./resolve/site-ir.js";

/** What the per-machine emitters keep: a machine's file, by its resolved machine and the rest of what the file is made of. */
export interface EmitMemo {
  readonly hiera: HieraMemo;
  readonly enc: KeyedMemo<MachineIR, OutputFile>;
  /** A boot entry's iPXE, GRUB and pxelinux files, by the entry (and the HTTP base, for iPXE). */
  readonly ipxe: KeyedMemo<BootHostIR, OutputFile[]>;
  readonly grub: KeyedMemo<BootHostIR, OutputFile[]>;
  readonly pxelinux: KeyedMemo<BootHostIR, OutputFile[]>;
  /** A machine's entry in setup/order.json and a boot entry's in dhcp/reservations.json, as JSON text. */
  readonly setupOrder: KeyedMemo<MachineIR, string>;
  readonly reservations: KeyedMemo<BootHostIR, string>;
  /** An allocation's line of state/ipam.json. */
  readonly ipamLines: KeyedMemo<IpamAllocation, string>;
  /** The manifest's line of each file, by path and content. */
  readonly digests: DigestMemo;
}

/**
 * Results of earlier compiles in one process (the daemon's render worker, `oci plan`'s two
 * revisions), so that a change costs about what it changed:
 * - each file's parse and schema verdict, by path and bytes;
 * - each machine's resolution, by its (shared, frozen) document and everything else it reads;
 * - each machine's boot entry, by its resolved machine, the site's settings and the networks;
 * - hiera/common.yaml and each cluster's hiera file, by its data;
 * - each machine's hiera, ENC and boot files and its lines of the setup order and DHCP
 *   reservations, by its resolved machine or boot entry and the rest of what they are made of;
 * - the previous IPAM state, parsed, by its text, and each kept allocation's line of it;
 * - the previous render's hiera files' encrypted values, by text, and the certificates judged
 *   reusable (by chain, issuer and names, until their renew time), both as of the last render;
 * - the manifest's line (and digest) of each file, by path and content.
 * Every key holds all a value was made from: nothing is invalidated, a changed input misses. Work
 * across machines (references, uniqueness, IPAM, waves, cluster hiera data, DHCP) is done every compile.
 */
export class CompileCache {
  readonly files = new SiteFileCache();
  /** The previous render's IPAM state, parsed, with the text it was parsed from. */
  previousIpam?: { readonly text: string; readonly state: IpamState };
  readonly credentials = new CredentialMemo();
  readonly resolved: ResolveMemo = { machines: new KeyedMemo(), bootHosts: new KeyedMemo() };
  readonly emitted: EmitMemo = {
    hiera: { nodes: new KeyedMemo(), shared: new DataMemo() }, enc: new KeyedMemo(), ipxe: new KeyedMemo(), grub: new KeyedMemo(), pxelinux: new KeyedMemo(),
    setupOrder: new KeyedMemo(), reservations: new KeyedMemo(), ipamLines: new KeyedMemo(), digests: new DigestMemo(),
  };
}
