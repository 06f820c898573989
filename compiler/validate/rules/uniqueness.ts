import { Code } from "../../diagnostics/codes.js";
import { impossibleMac, normalizeMac } from "../../net/mac.js";
import { overlaps } from "../../net/ipv4.js";
import { clusterDomain } from "../site-index.js";
import { FirstSeen, where, type Place } from "./first-seen.js";
import type { Rule } from "./rule.js";

/** Hostnames, FQDNs, serials, MACs and literal addresses identify one thing each, across the whole site. */
export const checkUniqueness: Rule = (index, diagnostics) => {
  const hostnames = new FirstSeen<string>();
  const fqdns = new FirstSeen<string>();
  const serials = new FirstSeen<string>();
  const macs = new FirstSeen<string>();
  const ips = new FirstSeen<string>();
  const siteDomain = index.model.site?.doc.domain;

  const vips = new Set<string>();
  for (const cluster of index.model.clusters) {
    const { vip } = cluster.doc;
    if (vip.address === "auto") continue;
    const at = () => cluster.source.valueAt(["vip", "address"]);
    const earlier = ips.claim(vip.address, at, `the VIP of cluster ${cluster.doc.name}`);
    if (earlier) diagnostics.error(Code.DuplicateIp, at(), `address ${vip.address} is already ${earlier.owner} (${where(earlier.at)})`);
    vips.add(vip.address);
  }
  const claimHostname = (name: string, at: Place, cluster: string) => {
    const earlierHost = hostnames.claim(name, at, name);
    if (earlierHost) {
      diagnostics.error(Code.DuplicateHostname, at(), `hostname ${name} is already used at ${where(earlierHost.at)}`, "hostnames are unique across the site");
      return;
    }
    const fqdn = `${name}.${clusterDomain(index.clusters.get(cluster)?.doc, cluster, siteDomain)}`;
    const earlierFqdn = fqdns.claim(fqdn, at, name);
    if (earlierFqdn) diagnostics.error(Code.DuplicateFqdn, at(), `FQDN ${fqdn} is already used by ${earlierFqdn.owner} (${where(earlierFqdn.at)})`);
  };
  const claimSerial = (serial: string, at: Place, owner: string) => {
    const earlier = serials.claim(serial.toLowerCase(), at, owner);
    if (earlier) diagnostics.error(Code.DuplicateSerial, at(), `serial ${serial} is already the serial of ${earlier.owner} (${where(earlier.at)})`, "one serial is one physical machine");
  };
  /** A machine's MAC claimer: each MAC once per machine, an impossible one reported, a duplicate across machines an error. */
  const macClaimer = (owner: string) => {
    const own = new Set<string>();
    return (mac: string, at: Place) => {
      const canonical = normalizeMac(mac);
      const impossible = impossibleMac(canonical);
      if (impossible) {
        diagnostics.error(Code.ImpossibleMac, at(), `MAC ${canonical} is ${impossible}: no network card has it`, "copy the MAC from the machine's discovery report or its label");
        return;
      }
      if (own.has(canonical)) return;
      own.add(canonical);
      const earlier = macs.claim(canonical, at, owner);
      if (earlier) diagnostics.error(Code.DuplicateMac, at(), `MAC ${canonical} is already used by ${earlier.owner} (${where(earlier.at)})`, "MACs are compared after normalisation (case and separators do not matter)");
    };
  };

  for (const { doc, source, cluster } of index.model.machines) {
    const name = doc.hostname;
    claimHostname(name, () => source.valueAt(["hostname"]), cluster);
    if (doc.serial !== undefined) claimSerial(doc.serial, () => source.valueAt(["serial"]), name);
    const claimMac = macClaimer(name);
    (doc.bootMacs ?? []).forEach((mac, i) => claimMac(mac, () => source.itemAt(["bootMacs"], i)));
    (doc.bonds ?? []).forEach((bond, b) => bond.members.forEach((mac, i) => claimMac(mac, () => source.itemAt(["bonds", b, "members"], i))));
    doc.interfaces.forEach((iface, i) => {
      if (iface.mac !== undefined) claimMac(iface.mac, () => source.valueAt(["interfaces", i, "mac"]));
      if (iface.ip !== undefined && iface.ip !== "auto") {
        const at = () => source.valueAt(["interfaces", i, "ip"]);
        const earlier = ips.claim(iface.ip, at, name);
        if (earlier && vips.has(iface.ip)) diagnostics.error(Code.VipUsedByMachine, at(), `address ${iface.ip} is ${earlier.owner} (${where(earlier.at)})`, "a VIP moves between controllers and cannot be a machine's address");
        else if (earlier) diagnostics.error(Code.DuplicateIp, at(), `address ${iface.ip} is already used by ${earlier.owner} (${where(earlier.at)})`);
      }
    });
    if (doc.ipmi?.ip !== undefined && doc.ipmi.ip !== "auto") {
      const at = () => source.valueAt(["ipmi", "ip"]);
      const earlier = ips.claim(doc.ipmi.ip, at, `${name} (IPMI)`);
      if (earlier) diagnostics.error(Code.DuplicateIp, at(), `address ${doc.ipmi.ip} is already used by ${earlier.owner} (${where(earlier.at)})`);
    }
  }

  // Files rejected by their schema still claim what is valid in them: a wrong role must not hide a duplicate MAC.
  for (const { hostname, serial, bootMacs, source, cluster } of index.model.machineIdentities) {
    const name = hostname ?? source.path;
    if (hostname !== undefined) claimHostname(hostname, () => source.valueAt(["hostname"]), cluster);
    if (serial !== undefined) claimSerial(serial, () => source.valueAt(["serial"]), name);
    const claimMac = macClaimer(name);
    for (const { mac, index: i } of bootMacs) claimMac(mac, () => source.itemAt(["bootMacs"], i));
  }

  const networkNames = new FirstSeen<string>();
  const seenNetworks: { name: string; at: ReturnType<typeof where> }[] = [];
  for (const { doc, source } of index.model.networks) {
    const at = () => source.valueAt(["name"]);
    const earlier = networkNames.claim(doc.name, at, doc.name);
    if (earlier) {
      diagnostics.error(Code.DuplicateNetwork, at(), `network ${doc.name} is already defined at ${where(earlier.at)}`);
      continue;
    }
    const mine = index.networks.get(doc.name)!.net;
    for (const other of seenNetworks) {
      if (overlaps(mine, index.networks.get(other.name)!.net)) {
        diagnostics.error(Code.OverlappingNetworks, source.valueAt(["cidr"]), `network ${doc.name} (${doc.cidr}) overlaps network ${other.name} (${other.at})`, "every network of the site needs its own address space");
      }
    }
    seenNetworks.push({ name: doc.name, at: where(source.valueAt(["cidr"])) });
  }

  const clusterNames = new FirstSeen<string>();
  for (const { doc, source } of index.model.clusters) {
    const at = () => source.valueAt(["name"]);
    const earlier = clusterNames.claim(doc.name, at, doc.name);
    if (earlier) diagnostics.error(Code.DuplicateCluster, at(), `cluster ${doc.name} is already defined at ${where(earlier.at)}`);
  }
};
