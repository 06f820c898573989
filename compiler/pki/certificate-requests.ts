import type { SiteIR } from "../resolve/site-ir.js";

/** A certificate the site needs: a node's, or a cluster's VIP (public endpoint). */
export interface CertificateRequest {
  /** The file stem under pki/certs/ and the name shown in plans: the node FQDN or the public endpoint. */
  readonly name: string;
  readonly commonName: string;
  /** Sorted. */
  readonly dnsNames: readonly string[];
  /** Sorted. */
  readonly ipAddresses: readonly string[];
  /** Node certificates also authenticate their node to RabbitMQ and Galera peers (mutual TLS). */
  readonly clientAuth: boolean;
  /** The machine whose hiera carries the private key; undefined for a VIP certificate (every controller gets it). */
  readonly fqdn?: string;
  readonly cluster: string;
}

/** Every node: FQDN, short name, each of its addresses. Every cluster with a site-CA public certificate: endpoint and VIP. */
export function certificateRequests(ir: SiteIR): CertificateRequest[] {
  const requests: CertificateRequest[] = ir.machines.map((m) => ({
    name: m.fqdn,
    commonName: m.fqdn,
    dnsNames: [m.fqdn, m.hostname].sort(),
    ipAddresses: [...new Set(m.interfaces.map((i) => i.address))].sort(),
    clientAuth: true,
    fqdn: m.fqdn,
    cluster: m.cluster,
  }));
  for (const c of ir.clusters) {
    if (c.publicCertificate !== "site-ca") continue;
    requests.push({ name: c.publicEndpoint, commonName: c.publicEndpoint, dnsNames: [c.publicEndpoint], ipAddresses: [c.vip.address], clientAuth: false, cluster: c.name });
  }
  return requests.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
