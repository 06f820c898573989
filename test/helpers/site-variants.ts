import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fixtures } from "./paths.js";
import { copySite } from "./temp-dirs.js";

/**
 * The base test site plus: a routed rack segment (pxe network with a relay) holding one compute,
 * and a controller with two boot NICs whose MACs are written in other notations.
 */
export async function siteWithRelayAndTwoNics(): Promise<string> {
  const site = await copySite(join(fixtures, "base-site"));
  await writeFile(join(site, "networks/pxe-rack2.yaml"), [
    "apiVersion: oci/v1", "kind: Network", "name: pxe-rack2", "cidr: 192.168.20.0/24", "gateway: 192.168.20.1",
    "relay: 192.168.20.1", "purpose: pxe", "discoveryPool:", "  start: 192.168.20.200", "  end: 192.168.20.220", "",
  ].join("\n"));
  const cmp = join(site, "clusters/c1/machines/c1-cmp-1.yaml");
  await writeFile(cmp, (await readFile(cmp, "utf8")).replace("  - network: pxe\n", "  - network: pxe-rack2\n"));
  const ctl = join(site, "clusters/c1/machines/c1-ctl-1.yaml");
  await writeFile(ctl, (await readFile(ctl, "utf8")).replace('  - "52:54:00:10:00:01"', '  - "52-54-00-10-00-01"\n  - "5254.00AA.BB01"'));
  return site;
}
