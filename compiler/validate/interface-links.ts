// Which link (NIC or bond) carries each interface of a machine, and the Linux name of every device.
// Validation reports what cannot be laid out; resolve builds the machine's network configuration
// from the same layout, so the two never disagree.

import { normalizeMac } from "../net/mac.js";
import type { InterfaceDoc, MachineDoc } from "./site-model.js";

/** A link an interface sits on: a NIC known by MAC, a NIC known only by its kernel name, or a bond. */
export interface LinkInfo {
  readonly name: string;
  readonly kind: "nic" | "named" | "bond";
  /** NICs known by MAC: a systemd .link file gives them `name`. */
  readonly mac?: string;
  readonly bond?: { readonly mode: "802.3ad" | "active-backup"; readonly members: readonly string[] };
}

/** Where one interface's address lives. */
export interface InterfaceLayout {
  /** The link under it (the VLAN's parent on a tagged network). */
  readonly link: string;
  /** The Linux device holding the address: the link itself, or its VLAN sub-interface. */
  readonly device: string;
  readonly vlan?: number;
}

export type LayoutProblem =
  /** A tagged network, and nothing says which link carries the VLAN. */
  | { readonly problem: "vlan-without-parent"; readonly index: number }
  /** `bond:` names no bond of the machine. */
  | { readonly problem: "unknown-bond"; readonly index: number; readonly bond: string }
  /** `mac:` is a member of one of the machine's bonds. */
  | { readonly problem: "bond-member-alone"; readonly index: number; readonly mac: string; readonly bond: string }
  /** `<parent>.<n>` where n is not the network's VLAN. */
  | { readonly problem: "vlan-mismatch"; readonly index: number; readonly device: string; readonly vlan: number }
  /** Two interfaces untagged on one link, or on the same VLAN of one link. */
  | { readonly problem: "shared-link"; readonly index: number; readonly link: string; readonly other: number }
  /** Two devices of the machine would have one name. */
  | { readonly problem: "name-clash"; readonly index: number; readonly name: string }
  /** A MAC that is a member of two bonds. */
  | { readonly problem: "member-of-two-bonds"; readonly bond: number; readonly mac: string };

export interface LinkLayout {
  /** Per interface, in the order given; undefined where it could not be laid out. */
  readonly interfaces: readonly (InterfaceLayout | undefined)[];
  /** Links by name. */
  readonly links: ReadonlyMap<string, LinkInfo>;
  /** False when an interface names no link and the machine has no boot MAC yet: no network configuration then. */
  readonly complete: boolean;
  readonly problems: readonly LayoutProblem[];
}

type LinkRef = { readonly kind: "nic"; readonly mac: string } | { readonly kind: "named" | "bond"; readonly name: string };

const PARENT_DOT_VLAN = /^([a-z][a-z0-9_-]{0,14})\.([0-9]{1,4})$/;

/**
 * Lays out a machine's interfaces. An interface is on its `bond`, `mac` or `parent` when given; on
 * the parent of a `<parent>.<vlan>` device; on the NIC an untagged `device` names; else on the
 * machine's first boot NIC, or the bond that NIC is a member of (machines PXE-boot from one member).
 */
export function layOutLinks(machine: MachineDoc, vlanOf: (network: string) => number | undefined): LinkLayout {
  // A frozen document is one the file cache shares between compiles: laid out again only when a VLAN it reads changed.
  if (!Object.isFrozen(machine)) return layOut(machine, vlanOf);
  const vlans = machine.interfaces.map((i) => vlanOf(i.network) ?? "").join(",");
  const kept = layouts.get(machine);
  if (kept?.vlans === vlans) return kept.layout;
  const layout = layOut(machine, vlanOf);
  layouts.set(machine, { vlans, layout });
  return layout;
}

const layouts = new WeakMap<MachineDoc, { readonly vlans: string; readonly layout: LinkLayout }>();

function layOut(machine: MachineDoc, vlanOf: (network: string) => number | undefined): LinkLayout {
  const problems: LayoutProblem[] = [];
  const bonds = machine.bonds ?? [];
  const bondOfMac = new Map<string, string>();
  bonds.forEach((bond, b) => {
    for (const member of bond.members) {
      const mac = normalizeMac(member);
      if (bondOfMac.has(mac) && bondOfMac.get(mac) !== bond.name) problems.push({ problem: "member-of-two-bonds", bond: b, mac });
      else bondOfMac.set(mac, bond.name);
    }
  });
  const named = (name: string): LinkRef => (bonds.some((b) => b.name === name) ? { kind: "bond", name } : { kind: "named", name });

  let complete = true;
  const refs = machine.interfaces.map((iface, index): LinkRef | undefined => {
    const placed = placeInterface(iface, vlanOf(iface.network), machine.bootMacs?.[0], bonds.map((b) => b.name), bondOfMac, named);
    if (!("problem" in placed)) return placed;
    if (placed.problem === "unplaced") complete = false;
    else problems.push({ ...placed, index } as LayoutProblem);
    return undefined;
  });

  // NICs known by MAC are named by an untagged interface's `device`, else after their MAC.
  const macNames = new Map<string, string>();
  machine.interfaces.forEach((iface, i) => {
    const ref = refs[i];
    if (ref?.kind !== "nic" || iface.device === undefined || vlanOf(iface.network) !== undefined) return;
    const taken = [...macNames].find(([mac, name]) => name === iface.device && mac !== ref.mac);
    if (taken) problems.push({ problem: "name-clash", index: i, name: iface.device });
    else macNames.set(ref.mac, iface.device);
  });
  const links = new Map<string, LinkInfo>();
  const nameOf = (ref: LinkRef): string => {
    if (ref.kind !== "nic") return ref.name;
    const name = macNames.get(ref.mac) ?? macLinkName(ref.mac);
    macNames.set(ref.mac, name);
    return name;
  };
  for (const bond of bonds) {
    links.set(bond.name, { name: bond.name, kind: "bond", bond: { mode: bond.mode ?? "802.3ad", members: bond.members.map(normalizeMac) } });
  }
  const interfaces = machine.interfaces.map((iface, index): InterfaceLayout | undefined => {
    const ref = refs[index];
    if (!ref) return undefined;
    const link = nameOf(ref);
    // A NIC named by its untagged interface and also named as another interface's parent is one link: keep its MAC.
    if (!links.has(link) || ref.kind === "nic") links.set(link, { name: link, kind: ref.kind, ...(ref.kind === "nic" ? { mac: ref.mac } : {}) });
    const vlan = vlanOf(iface.network);
    if (vlan === undefined) return { link, device: link };
    return { link, device: iface.device ?? vlanDeviceName(link, vlan), vlan };
  });

  const slots = new Map<string, number>();
  const devices = new Map<string, string>();
  for (const bond of bonds) for (const mac of bond.members) devices.set(macNames.get(normalizeMac(mac)) ?? macLinkName(mac), `member:${normalizeMac(mac)}`);
  for (const link of links.values()) if (!devices.has(link.name)) devices.set(link.name, `link:${link.name}`);
  interfaces.forEach((layout, index) => {
    if (!layout) return;
    const slot = `${layout.link}/${layout.vlan ?? "untagged"}`;
    const other = slots.get(slot);
    if (other !== undefined) problems.push({ problem: "shared-link", index, link: layout.link, other });
    else slots.set(slot, index);
    if (layout.vlan === undefined) return;
    const owner = devices.get(layout.device);
    if (owner !== undefined && owner !== `vlan:${slot}`) problems.push({ problem: "name-clash", index, name: layout.device });
    devices.set(layout.device, `vlan:${slot}`);
  });
  return { interfaces, links, complete, problems };
}

type Placed = LinkRef | { readonly problem: "unplaced" | "vlan-without-parent" } | { readonly problem: "unknown-bond"; readonly bond: string }
  | { readonly problem: "bond-member-alone"; readonly mac: string; readonly bond: string } | { readonly problem: "vlan-mismatch"; readonly device: string; readonly vlan: number };

function placeInterface(
  iface: InterfaceDoc, vlan: number | undefined, bootMac: string | undefined, bondNames: readonly string[],
  bondOfMac: ReadonlyMap<string, string>, named: (name: string) => LinkRef,
): Placed {
  if (iface.bond !== undefined) return bondNames.includes(iface.bond) ? { kind: "bond", name: iface.bond } : { problem: "unknown-bond", bond: iface.bond };
  if (iface.mac !== undefined) {
    const mac = normalizeMac(iface.mac);
    const bond = bondOfMac.get(mac);
    return bond ? { problem: "bond-member-alone", mac, bond } : { kind: "nic", mac };
  }
  if (iface.parent !== undefined) return named(iface.parent);
  if (iface.device !== undefined) {
    const dotted = PARENT_DOT_VLAN.exec(iface.device);
    if (vlan !== undefined && dotted) return Number(dotted[2]) === vlan ? named(dotted[1]!) : { problem: "vlan-mismatch", device: iface.device, vlan };
    if (vlan === undefined && !iface.device.includes(".")) return named(iface.device);
  }
  if (bootMac !== undefined) {
    const mac = normalizeMac(bootMac);
    const bond = bondOfMac.get(mac);
    return bond ? { kind: "bond", name: bond } : { kind: "nic", mac };
  }
  return vlan === undefined ? { problem: "unplaced" } : { problem: "vlan-without-parent" };
}

/** The name systemd's MAC naming policy gives a NIC: `enx` and the MAC's twelve hex digits (15 characters, unique). */
export function macLinkName(mac: string): string {
  return `enx${normalizeMac(mac).replace(/:/g, "")}`;
}

/** A VLAN sub-interface's name when the site gives none: `<link>.<vlan>`, or `vlan<vlan>` when that passes 15 characters. */
export function vlanDeviceName(link: string, vlan: number): string {
  const dotted = `${link}.${vlan}`;
  return dotted.length <= 15 ? dotted : `vlan${vlan}`;
}
