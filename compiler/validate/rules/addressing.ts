import { Code } from "../../diagnostics/codes.js";
import type { DiagnosticBag, SourcePosition } from "../../diagnostics/diagnostic.js";
import { contains, formatIpv4, hasHostBits, inRange, isHostAddress, parseIpv4, type Ipv4Range } from "../../net/ipv4.js";
import { vipNetworkOf, type IndexedNetwork, type SiteIndex } from "../site-index.js";
import type { Rule } from "./rule.js";

/** Every literal address lies where it may: inside its network, off the gateway, the reserved ranges and the discovery pool. */
export const checkAddressing: Rule = (index, diagnostics) => {
  for (const network of index.networks.values()) checkNetwork(network, diagnostics);

  for (const { doc, source } of index.model.machines) {
    doc.interfaces.forEach((iface, i) => {
      const network = index.networks.get(iface.network);
      if (network && iface.ip !== undefined && iface.ip !== "auto") {
        checkHostAddress(index, network, iface.ip, source.valueAt(["interfaces", i, "ip"]), `${doc.hostname}'s address`, diagnostics);
      }
    });
    const ipmi = doc.ipmi;
    const ipmiNetwork = ipmi ? index.networks.get(ipmi.network) : undefined;
    if (ipmi && ipmiNetwork && ipmi.ip !== undefined && ipmi.ip !== "auto") {
      checkHostAddress(index, ipmiNetwork, ipmi.ip, source.valueAt(["ipmi", "ip"]), `${doc.hostname}'s IPMI address`, diagnostics);
    }
  }

  for (const { doc, source } of index.model.clusters) {
    if (doc.vip.address === "auto") continue;
    const choice = vipNetworkOf(doc, index);
    const network = "name" in choice ? index.networks.get(choice.name) : undefined;
    if (!network) continue;
    const at = source.valueAt(["vip", "address"]);
    // A BGP VIP is a /32 the controllers announce: like OCI, it may be any address the routers accept.
    if (doc.vip.mode === "bgp" && !contains(network.net, parseIpv4(doc.vip.address))) continue;
    if (!contains(network.net, parseIpv4(doc.vip.address))) {
      diagnostics.error(Code.VipOutsideNetwork, at, `VIP ${doc.vip.address} is outside the VIP network ${network.located.doc.name} (${network.located.doc.cidr})`, "the VIP must be an address of the management network the controllers share");
      continue;
    }
    checkHostAddress(index, network, doc.vip.address, at, `the VIP of cluster ${doc.name}`, diagnostics);
  }

  // A BGP session runs over a network the controllers share with the router.
  for (const { doc, source } of index.model.clusters) {
    const controllerNetworks = new Set((index.machinesByCluster.get(doc.name) ?? []).filter((m) => m.doc.role === "controller").flatMap((m) => m.doc.interfaces.map((i) => i.network)));
    (doc.vip.bgp?.peers ?? []).forEach((peer, i) => {
      const address = parseIpv4(peer.address);
      const on = [...index.networks.values()].find((n) => contains(n.net, address));
      if (!on) {
        diagnostics.error(Code.BgpPeerOffNetwork, source.valueAt(["vip", "bgp", "peers", i, "address"]), `BGP peer ${peer.address} is on none of the site's networks`,
          "a peer is a router on a network the controllers are on: add that network, or fix the address");
      } else if (!index.model.clustersWithBrokenMachines.has(doc.name) && controllerNetworks.size > 0 && !controllerNetworks.has(on.located.doc.name)) {
        diagnostics.error(Code.BgpPeerOffNetwork, source.valueAt(["vip", "bgp", "peers", i, "address"]), `BGP peer ${peer.address} is on ${on.located.doc.name}, which no controller of ${doc.name} is on`,
          `give the controllers an interface on ${on.located.doc.name}, or peer with a router they reach`);
      }
    });
  }

  const provisioning = index.model.site;
  if (provisioning) {
    const address = parseIpv4(provisioning.doc.provisioning.address);
    const pxe = index.networksWithPurpose("pxe");
    if (pxe.length > 0 && !pxe.some((n) => contains(n.net, address) || n.located.doc.relay !== undefined)) {
      diagnostics.warning(Code.ProvisioningAddressOutsidePxe, provisioning.source.valueAt(["provisioning", "address"]), `provisioning address ${provisioning.doc.provisioning.address} is on none of the pxe networks and none of them has a relay`, "machines reach the provisioning host by broadcast DHCP: put it on a pxe network or configure a relay");
    }
  }
};

function checkNetwork(network: IndexedNetwork, diagnostics: DiagnosticBag): void {
  const { doc, source } = network.located;
  const name = doc.name;
  if (hasHostBits(doc.cidr)) {
    diagnostics.error(Code.CidrHostBits, source.valueAt(["cidr"]), `${doc.cidr} has host bits set`, `write the network address: ${formatIpv4(network.net.base)}/${network.net.prefix}`);
  }
  if (network.gateway !== undefined && !isHostAddress(network.net, network.gateway)) {
    diagnostics.error(Code.GatewayOutsideNetwork, source.valueAt(["gateway"]), `gateway ${doc.gateway} is not a host address of ${name} (${doc.cidr})`);
  }
  if (doc.relay !== undefined && !isHostAddress(network.net, parseIpv4(doc.relay))) {
    diagnostics.error(Code.RelayOutsideNetwork, source.valueAt(["relay"]), `relay ${doc.relay} is not an address of ${name} (${doc.cidr})`, "the relay (giaddr) is the router's address on this network");
  }
  if (doc.relay !== undefined && doc.purpose !== "pxe") {
    diagnostics.error(Code.RelayOnNonPxeNetwork, source.valueAt(["relay"]), `relay on ${name}, a ${doc.purpose} network: a relay makes oci serve DHCP there, which only pxe networks get`,
      "move the relay to the pxe network of that segment, or remove it");
  } else if (doc.relay !== undefined && doc.gateway === undefined) {
    diagnostics.error(Code.RelayWithoutGateway, source.valueAt(["relay"]), `relayed network ${name} has no gateway: its machines could not reach the provisioning host's TFTP and HTTP`,
      "add the segment's router as gateway (usually the relay's own address)");
  }
  if (network.pool) {
    const problem = rangeProblem(network, network.pool);
    if (problem) diagnostics.error(Code.BadDiscoveryPool, source.valueAt(["discoveryPool"]), `discovery pool of ${name}: ${problem}`);
    else if (network.gateway !== undefined && inRange(network.pool, network.gateway)) {
      diagnostics.error(Code.BadDiscoveryPool, source.valueAt(["discoveryPool"]), `discovery pool of ${name} contains the gateway ${doc.gateway}`);
    }
  }
  network.reserved.forEach((range, i) => {
    const problem = rangeProblem(network, range);
    if (problem) diagnostics.error(Code.BadReservedRange, source.itemAt(["reserved"], i), `reserved range of ${name}: ${problem}`);
  });
}

function rangeProblem(network: IndexedNetwork, range: Ipv4Range): string | undefined {
  if (range.start > range.end) return `starts at ${formatIpv4(range.start)}, after its end ${formatIpv4(range.end)}`;
  if (!isHostAddress(network.net, range.start) || !isHostAddress(network.net, range.end)) {
    return `${formatIpv4(range.start)}-${formatIpv4(range.end)} is not inside ${network.located.doc.cidr} (network and broadcast addresses excluded)`;
  }
  return undefined;
}

function checkHostAddress(index: SiteIndex, network: IndexedNetwork, ip: string, at: SourcePosition, what: string, diagnostics: DiagnosticBag): void {
  const { doc } = network.located;
  const address = parseIpv4(ip);
  if (!contains(network.net, address)) {
    diagnostics.error(Code.IpOutsideNetwork, at, `${what} ${ip} is outside network ${doc.name} (${doc.cidr})`, "use an address of the network, or `auto`");
    return;
  }
  if (!isHostAddress(network.net, address)) {
    diagnostics.error(Code.IpNotHostAddress, at, `${what} ${ip} is the network or broadcast address of ${doc.name} (${doc.cidr})`);
    return;
  }
  if (address === network.gateway) {
    diagnostics.error(Code.IpIsGateway, at, `${what} ${ip} is the gateway of ${doc.name}`);
    return;
  }
  const equipment = index.infrastructure.get(address);
  if (equipment) {
    diagnostics.error(Code.IpIsInfrastructure, at, `${what} ${ip} is ${equipment}`, "that address is in use by the site's own equipment: pick another, or `auto`");
    return;
  }
  const reserved = network.reserved.find((range) => inRange(range, address));
  if (reserved) {
    diagnostics.error(Code.IpInReservedRange, at, `${what} ${ip} is in a reserved range of ${doc.name} (${formatIpv4(reserved.start)}-${formatIpv4(reserved.end)})`, "reserved ranges belong to equipment oci does not manage");
    return;
  }
  if (network.pool && inRange(network.pool, address)) {
    diagnostics.error(Code.IpInDiscoveryPool, at, `${what} ${ip} is in the discovery pool of ${doc.name} (${formatIpv4(network.pool.start)}-${formatIpv4(network.pool.end)})`, "DHCP hands pool addresses to unknown machines; pick an address outside the pool, or `auto`");
  }
}
