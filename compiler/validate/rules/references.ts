import { Code } from "../../diagnostics/codes.js";
import { vipNetworkOf } from "../site-index.js";
import type { Rule } from "./rule.js";

/** Names point at things that exist, of the right purpose; files are named after what they hold. */
export const checkReferences: Rule = (index, diagnostics) => {
  const networkNames = [...index.networks.keys()].sort().join(", ") || "(none)";

  const site = index.model.site;
  const shipped = site ? SHIPPED_OPENSTACK[site.doc.debian?.release ?? "bookworm"] : undefined;
  if (site?.doc.openstack?.release !== undefined && shipped !== undefined && site.doc.openstack.release !== shipped) {
    // Refused, not warned: a value oci would accept and ignore is a promise nobody keeps.
    diagnostics.error(Code.OpenstackReleaseNotShipped, site.source.valueAt(["openstack", "release"]),
      `openstack.release ${site.doc.openstack.release} is not what is installed: machines get the OpenStack their Debian release ships (${site.doc.debian?.release ?? "bookworm"}: ${shipped}) from the site's mirror`,
      `set release: ${shipped}, or leave it out`);
  }

  for (const { doc, source } of index.model.networks) {
    if (stemOf(source.path) !== doc.name) {
      diagnostics.warning(Code.FileNameMismatch, source.valueAt(["name"]), `network ${doc.name} is in ${source.path}`, `name the file networks/${doc.name}.yaml`);
    }
  }

  for (const { doc, source } of index.model.locations) {
    if (stemOf(source.path) !== doc.name) {
      diagnostics.warning(Code.FileNameMismatch, source.valueAt(["name"]), `location ${doc.name} is in ${source.path}`, `name the file locations/${doc.name}.yaml`);
    }
    const check = (network: string, at: (string | number)[]) => {
      if (!index.networks.has(network) && !index.model.brokenNetworkNames.has(network)) {
        diagnostics.error(Code.UnknownNetwork, source.valueAt(at), `unknown network ${network}`, `networks of the site: ${networkNames}`);
      }
    };
    (doc.networks ?? []).forEach((network, i) => check(network, ["networks", i]));
    (doc.racks ?? []).forEach((rack, r) => {
      rack.networks.forEach((network, i) => check(network, ["racks", r, "networks", i]));
      (rack.switches ?? []).forEach((sw, s) => (sw.networks ?? []).forEach((network, i) => check(network, ["racks", r, "switches", s, "networks", i])));
    });
  }
  // A switch names one rack: oci assign places machines by it.
  const switches = new Map<string, string>();
  for (const { doc, source } of index.model.locations) {
    (doc.racks ?? []).forEach((rack, r) => (rack.switches ?? []).forEach((sw, s) => {
      const where = `${doc.name}/${rack.name}`;
      const first = switches.get(sw.chassis);
      if (first !== undefined && first !== where) {
        diagnostics.error(Code.DuplicateSwitch, source.valueAt(["racks", r, "switches", s, "chassis"]), `switch ${sw.chassis} is in rack ${where} and in rack ${first}`,
          "a switch stands in one rack: LLDP places machines by it; correct the chassis name");
      } else switches.set(sw.chassis, where);
    }));
  }

  for (const { doc, source } of index.model.clusters) {
    const folder = source.path.split("/")[1];
    if (folder !== doc.name) {
      diagnostics.error(Code.ClusterNameMismatch, source.valueAt(["name"]), `cluster ${doc.name} is in folder clusters/${folder}/`, `rename the folder to clusters/${doc.name}/ or set name: ${folder}`);
    }
    (doc.networks ?? []).forEach((attachment, i) => {
      if (!index.networks.has(attachment.network) && !index.model.brokenNetworkNames.has(attachment.network)) {
        diagnostics.error(Code.UnknownNetwork, source.valueAt(["networks", i, "network"]), `unknown network ${attachment.network}`, `networks of the site: ${networkNames}`);
      }
    });
    const choice = vipNetworkOf(doc, index);
    if ("problem" in choice && index.model.brokenNetworkNames.size > 0) {
      // The management network may be among the files that failed their schema: say nothing more.
    } else if ("problem" in choice) {
      const message = choice.problem === "none" ? "the site has no management network for the VIP" : "the site has several management networks: say which one holds the VIP";
      diagnostics.error(Code.AmbiguousVipNetwork, source.valueAt(["vip"]), message, "set vip.network to a network with purpose management");
    } else {
      const network = index.networks.get(choice.name);
      if (!network && !index.model.brokenNetworkNames.has(choice.name)) {
        diagnostics.error(Code.UnknownNetwork, source.valueAt(["vip", "network"]), `unknown network ${choice.name}`, `networks of the site: ${networkNames}`);
      } else if (network && !["management", "public"].includes(network.located.doc.purpose)) {
        diagnostics.error(Code.VipNetworkPurpose, source.valueAt(["vip", "network"]), `VIP network ${choice.name} has purpose ${network.located.doc.purpose}`,
          "the API VIP lives on the management network, or on the public network as OCI puts it");
      } else if (network && (doc.vip.mode ?? "l2") === "l2" && !index.model.clustersWithBrokenMachines.has(doc.name)) {
        // Pacemaker moves an L2 VIP between the controllers' interfaces on that network: each needs one.
        const off = (index.machinesByCluster.get(doc.name) ?? []).filter((m) => m.doc.role === "controller" && !m.doc.interfaces.some((i) => i.network === choice.name));
        if (off.length > 0) {
          diagnostics.error(Code.VipNetworkOffControllers, source.valueAt(doc.vip.network === undefined ? ["vip"] : ["vip", "network"]),
            `VIP network ${choice.name} is not on controller(s) ${off.map((m) => m.doc.hostname).join(", ")}: the VIP could not move there`,
            `give every controller an interface on ${choice.name}, or put the VIP on a network they share`);
        }
      }
    }
  }

  for (const { doc, source, cluster } of index.model.machines) {
    if (stemOf(source.path) !== doc.hostname) {
      diagnostics.warning(Code.FileNameMismatch, source.valueAt(["hostname"]), `machine ${doc.hostname} is in ${source.path}`, `name the file ${doc.hostname}.yaml`);
    }
    if (!index.model.clusterFilesPresent.has(cluster)) {
      diagnostics.error(Code.ClusterMissing, source.start(), `machine ${doc.hostname} is in clusters/${cluster}/, which has no cluster.yaml`, `create clusters/${cluster}/cluster.yaml with kind: Cluster, or move the machine to an existing cluster`);
    }
    const seen = new Map<string, number>();
    let management = false;
    let pxe = false;
    doc.interfaces.forEach((iface, i) => {
      const network = index.networks.get(iface.network);
      if (!network) {
        if (index.model.brokenNetworkNames.has(iface.network)) return;
        diagnostics.error(Code.UnknownNetwork, source.valueAt(["interfaces", i, "network"]), `unknown network ${iface.network}`, `networks of the site: ${networkNames}`);
        return;
      }
      if (seen.has(iface.network)) {
        diagnostics.error(Code.TwoInterfacesOnNetwork, source.valueAt(["interfaces", i, "network"]), `${doc.hostname} has a second interface on network ${iface.network} (first: interfaces[${seen.get(iface.network)}])`, "one address per network per machine");
      }
      seen.set(iface.network, i);
      management ||= network.located.doc.purpose === "management";
      pxe ||= network.located.doc.purpose === "pxe";
    });
    if (!management && seen.size === doc.interfaces.length) {
      diagnostics.error(Code.NoManagementInterface, source.valueAt(["interfaces"]), `${doc.hostname} has no interface on a management network`, "every machine talks to puppet, the APIs and the databases over a management network");
    }
    if ((doc.bootMacs?.length ?? 0) > 0 && !pxe && seen.size === doc.interfaces.length) {
      diagnostics.error(Code.BootWithoutPxeNetwork, source.valueAt(["bootMacs"]), `${doc.hostname} has boot MACs but no interface on a pxe network`, "add an interface on the pxe network the machine boots from, so it gets a DHCP reservation there");
    }
    if (doc.ipmi) {
      const network = index.networks.get(doc.ipmi.network);
      if (!network && index.model.brokenNetworkNames.has(doc.ipmi.network)) {
        // reported on the network's own file
      } else if (!network) {
        diagnostics.error(Code.UnknownNetwork, source.valueAt(["ipmi", "network"]), `unknown network ${doc.ipmi.network}`, `networks of the site: ${networkNames}`);
      } else if (network.located.doc.purpose !== "ipmi") {
        diagnostics.warning(Code.IpmiNetworkPurpose, source.valueAt(["ipmi", "network"]), `IPMI network ${doc.ipmi.network} has purpose ${network.located.doc.purpose}, not ipmi`);
      }
    }
  }

  for (const { doc, source } of index.model.profiles) {
    if (stemOf(source.path) !== doc.name) {
      diagnostics.warning(Code.FileNameMismatch, source.valueAt(["name"]), `hardware profile ${doc.name} is in ${source.path}`, `name the file hardware-profiles/${doc.name}.yaml`);
    }
  }
  for (const { doc, source } of index.model.discovered) {
    if (stemOf(source.path) !== doc.serial) {
      diagnostics.error(Code.FileNameMismatch, source.valueAt(["serial"]), `discovered hardware of serial ${doc.serial} is in ${source.path}`, `oci serve writes it as inventory/discovered/${doc.serial}.yaml; do not edit inventory by hand`);
    }
  }
};

function stemOf(path: string): string {
  return (path.split("/").pop() ?? "").replace(/\.ya?ml$/, "");
}

/** The OpenStack release each Debian release carries in its main archive: what a machine installs. */
const SHIPPED_OPENSTACK: Readonly<Record<string, string>> = { bookworm: "zed" };
