import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * Writes a synthetic site of `machines` machines: clusters of at most 500 (3 controllers, 3 ceph
 * monitors, OSDs, computes), every address `auto`, on /16 networks so IPAM has room.
 */
export async function generateSite(root: string, machines: number, options: { eyamlPublicKeyPem?: string } = {}): Promise<void> {
  const files = new Map<string, string>();
  const secrets = options.eyamlPublicKeyPem ? "secrets:\n  eyamlPublicKey: keys/eyaml-public.pem\n" : "";
  if (options.eyamlPublicKeyPem) files.set("keys/eyaml-public.pem", options.eyamlPublicKeyPem);
  files.set("site.yaml", `apiVersion: oci/v1\nkind: Site\nname: bench\ndomain: bench.example.org\nprovisioning:\n  address: 10.100.0.2\npuppet:\n  server: puppet.bench.example.org\n${secrets}`);
  const network = (name: string, cidr: string, purpose: string, extra = "") =>
    files.set(`networks/${name}.yaml`, `apiVersion: oci/v1\nkind: Network\nname: ${name}\ncidr: ${cidr}\npurpose: ${purpose}\n${extra}`);
  network("pxe", "10.100.0.0/16", "pxe", "gateway: 10.100.0.1\ndiscoveryPool:\n  start: 10.100.250.1\n  end: 10.100.250.254\nreserved:\n  - start: 10.100.0.1\n    end: 10.100.0.9\n");
  network("management", "10.101.0.0/16", "management", "vlan: 10\ngateway: 10.101.0.1\n");
  network("ipmi", "10.102.0.0/16", "ipmi");
  const perCluster = 500;
  const clusters = Math.ceil(machines / perCluster);
  let serial = 0;
  for (let c = 1; c <= clusters; c++) {
    const name = `c${c}`;
    files.set(`clusters/${name}/cluster.yaml`, `apiVersion: oci/v1\nkind: Cluster\nname: ${name}\nvip:\n  address: auto\nservices: [keystone, glance, nova, neutron, cinder]\n`);
    const count = Math.min(perCluster, machines - (c - 1) * perCluster);
    for (let i = 0; i < count; i++) {
      const role = i < 3 ? "controller" : i < 6 ? "cephmon" : i < 6 + Math.ceil(count / 10) ? "cephosd" : "compute";
      const hostname = `${name}-${role}-${i}`;
      serial++;
      const mac = `52:54:${hex(serial >> 24)}:${hex(serial >> 16)}:${hex(serial >> 8)}:${hex(serial)}`;
      files.set(
        `clusters/${name}/machines/${hostname}.yaml`,
        `apiVersion: oci/v1\nkind: Machine\nhostname: ${hostname}\nrole: ${role}\nserial: "SN${serial}"\nbootMacs: ["${mac}"]\ninstall: true\n` +
          `interfaces:\n  - network: pxe\n    mac: "${mac}"\n  - network: management\nipmi:\n  network: ipmi\n`,
      );
    }
  }
  const folders = new Set([...files.keys()].map((path) => dirname(join(root, path))));
  for (const folder of folders) await mkdir(folder, { recursive: true });
  await Promise.all([...files].map(([path, text]) => writeFile(join(root, path), text)));
}

function hex(n: number): string {
  return (n & 255).toString(16).padStart(2, "0");
}
