/**
 * The environment-level hiera.yaml of a published environment (Hiera 5): the node, its cluster,
 * then the site, each through hiera-eyaml so `ENC[PKCS7,…]` values are decrypted by puppetserver
 * with the keys that stay on this host.
 */
export function environmentHieraYaml(eyamlPrivateKey: string, eyamlPublicKey: string): string {
  return [
    "---",
    "version: 5",
    "defaults:",
    "  datadir: data",
    "hierarchy:",
    "  - name: \"oci: node, cluster, site\"",
    "    lookup_key: eyaml_lookup_key",
    "    paths:",
    "      - \"nodes/%{trusted.certname}.yaml\"",
    "      - \"clusters/%{oci_cluster}.yaml\"",
    "      - \"common.yaml\"",
    "    options:",
    `      pkcs7_private_key: ${JSON.stringify(eyamlPrivateKey)}`,
    `      pkcs7_public_key: ${JSON.stringify(eyamlPublicKey)}`,
    "",
  ].join("\n");
}
