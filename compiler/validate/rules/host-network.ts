import { Code } from "../../diagnostics/codes.js";
import { layOutLinks } from "../interface-links.js";
import type { Rule } from "./rule.js";

/**
 * Every interface of a machine can be configured: its VLAN has a parent link, bonds are declared and
 * their members carry nothing alone, no two devices share a name or a link slot, and the default
 * route is on a network the machine is on, through that network's gateway.
 */
export const checkHostNetwork: Rule = (index, diagnostics) => {
  const vlanOf = (name: string) => index.networks.get(name)?.located.doc.vlan;
  for (const { doc, source } of index.model.machines) {
    // An unknown or broken network is reported on its own; its VLAN is unknown, so no layout is judged.
    // Two interfaces on one network are reported as such (OCI1412), not again as a shared link.
    if (doc.interfaces.some((i) => !index.networks.has(i.network)) || new Set(doc.interfaces.map((i) => i.network)).size < doc.interfaces.length) continue;
    const at = (i: number, field: string) => source.valueAt(["interfaces", i, field]);
    const fieldOf = (i: number) => {
      const iface = doc.interfaces[i]!;
      return iface.bond !== undefined ? "bond" : iface.mac !== undefined ? "mac" : iface.device !== undefined ? "device" : "network";
    };
    for (const p of layOutLinks(doc, vlanOf).problems) {
      switch (p.problem) {
        case "vlan-without-parent":
          diagnostics.error(Code.VlanWithoutParent, at(p.index, fieldOf(p.index)), `network ${doc.interfaces[p.index]!.network} is VLAN ${vlanOf(doc.interfaces[p.index]!.network)}, and nothing says which link of ${doc.hostname} carries it`, "give the parent NIC's mac, a bond, a parent NIC name, or a device named <parent>.<vlan>; or give the machine its boot MAC (the VLAN then rides on the boot NIC)");
          break;
        case "unknown-bond":
          diagnostics.error(Code.UnknownBond, at(p.index, "bond"), `${doc.hostname} has no bond ${p.bond}`, `declare it under bonds: (name: ${p.bond}, members: the MACs of its NICs)`);
          break;
        case "bond-member-alone":
          diagnostics.error(Code.BondMemberUsedAlone, at(p.index, "mac"), `NIC ${p.mac} is a member of bond ${p.bond}; a bond member carries no interface of its own`, `put the interface on the bond (bond: ${p.bond}) or take the NIC out of the bond`);
          break;
        case "vlan-mismatch":
          diagnostics.error(Code.VlanMismatch, at(p.index, "device"), `device ${p.device} names another VLAN than network ${doc.interfaces[p.index]!.network}'s VLAN ${p.vlan}`, `name it <parent>.${p.vlan}, or give the parent with mac, bond or parent`);
          break;
        case "shared-link": {
          const vlan = vlanOf(doc.interfaces[p.index]!.network);
          diagnostics.error(Code.SharedLink, at(p.index, "network"), `${doc.hostname}: interfaces[${p.index}] and interfaces[${p.other}] are both ${vlan === undefined ? "untagged" : `VLAN ${vlan}`} on link ${p.link}`, "one untagged network per link: put this one on its own NIC or bond, or on a network with a VLAN");
          break;
        }
        case "name-clash":
          diagnostics.error(Code.DeviceNameClash, at(p.index, "device"), `${doc.hostname} would have two devices named ${p.name}`, "give this interface another device name");
          break;
        case "member-of-two-bonds":
          diagnostics.error(Code.BondMemberTwice, source.valueAt(["bonds", p.bond, "members"]), `NIC ${p.mac} is a member of two bonds`, "a NIC belongs to one bond at most");
          break;
      }
    }
    if (doc.defaultRoute !== undefined) {
      const routeAt = source.valueAt(["defaultRoute"]);
      const network = index.networks.get(doc.defaultRoute);
      if (!network) {
        if (!index.model.brokenNetworkNames.has(doc.defaultRoute)) {
          diagnostics.error(Code.UnknownNetwork, routeAt, `unknown network ${doc.defaultRoute}`, `networks of the site: ${[...index.networks.keys()].sort().join(", ") || "(none)"}`);
        }
      } else if (!doc.interfaces.some((i) => i.network === doc.defaultRoute)) {
        diagnostics.error(Code.RouteOffMachine, routeAt, `default route on network ${doc.defaultRoute}, which ${doc.hostname} has no interface on`, `networks of ${doc.hostname}: ${doc.interfaces.map((i) => i.network).join(", ")}`);
      } else if (network.gateway === undefined) {
        diagnostics.error(Code.RouteWithoutGateway, routeAt, `default route on network ${doc.defaultRoute}, which has no gateway`, `set gateway: in networks/${doc.defaultRoute}.yaml, or route through another network`);
      }
    }
  }
};
