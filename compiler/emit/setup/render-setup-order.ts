import type { KeyedMemo } from "../../memo/keyed-memo.js";
import type { BootHostIR } from "../../resolve/boot-plan.js";
import type { MachineIR, SiteIR } from "../../resolve/site-ir.js";
import { jsonListItem, jsonTextWithList, type OutputFile } from "../output-file.js";

export const SETUP_ORDER_PATH = "setup/order.json";

export interface SetupOrderMachine {
  readonly fqdn: string;
  readonly hostname: string;
  readonly cluster: string;
  readonly role: string;
  readonly wave: number;
  readonly serial?: string;
  /** The MACs it PXE-boots from, canonical, as the site gives them. */
  readonly bootMacs?: readonly string[];
  /** Its address on the network it PXE-boots on, when it has one. */
  readonly pxeAddress?: string;
  /** Present when the site asks for the machine to be installed: which install (see Machine.installGeneration). */
  readonly installGeneration?: number;
}

export interface SetupOrder {
  readonly format: 1;
  /** Sorted by FQDN. */
  readonly machines: readonly SetupOrderMachine[];
}

/**
 * setup/order.json: each machine's cluster, setup wave, serial, boot MACs and PXE address, and the
 * install it is due. `oci serve` reads it to open puppet to a wave only once every earlier wave of
 * the same cluster has reported success, to answer a machine's PXE boot with local boot once it is
 * installed, and with the status store it is the inventory `oci machines` shows.
 */
export function renderSetupOrder(ir: SiteIR, memo?: KeyedMemo<MachineIR, string>): OutputFile[] {
  const pxe = new Map(ir.boot.hosts.map((h) => [h.fqdn, h]));
  const item = (m: MachineIR, boot: BootHostIR | undefined): SetupOrderMachine => ({
    fqdn: m.fqdn, hostname: m.hostname, cluster: m.cluster, role: m.role, wave: m.setupWave, ...(m.serial ? { serial: m.serial } : {}),
    ...(boot ? { bootMacs: boot.macs, pxeAddress: boot.address } : {}),
    ...(m.install ? { installGeneration: m.installGeneration } : {}),
  });
  const items = ir.machines.map((m) => {
    const boot = pxe.get(m.fqdn);
    return memo ? memo.get(m, [boot], () => jsonListItem(item(m, boot))) : jsonListItem(item(m, boot));
  });
  return [{ path: SETUP_ORDER_PATH, content: jsonTextWithList({ format: 1 }, "machines", items) }];
}
