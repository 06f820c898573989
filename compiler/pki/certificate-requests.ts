import type { MachineIR, SiteIR } from "../resolve/site-ir.js";

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
  const requests: CertificateRequest[] = ir.machines.map(nodeRequest);
  for (const c of ir.clusters) {
    if (c.publicCertificate !== "site-ca") continue;
    requests.push({ name: c.publicEndpoint, commonName: c.publicEndpoint, dnsNames: [c.publicEndpoint], ipAddresses: [c.vip.address], clientAuth: false, cluster: c.name });
  }
  return requests.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// A resolved machine is frozen, and the compile cache gives an unchanged machine the same object:
// so is its request then, and what is kept by it (the names a certificate is judged against) is found again.
const byMachine = new WeakMap<MachineIR, CertificateRequest>();

function nodeRequest(m: MachineIR): CertificateRequest {
  let request = byMachine.get(m);
  if (!request) {
    request = Object.freeze({
      name: m.fqdn,
      commonName: m.fqdn,
      dnsNames: Object.freeze([m.fqdn, m.hostname].sort()),
      ipAddresses: Object.freeze([...new Set(m.interfaces.map((i) => i.address))].sort()),
      clientAuth: true,
      fqdn: m.fqdn,
      cluster: m.cluster,
    });
    if (Object.isFrozen(m)) byMachine.set(m, request);
  }
  return request;
}
