import type { ClusterIR, MachineIR, SiteIR } from "../resolve/site-ir.js";
import type { Service } from "../validate/site-model.js";

export type SecretKind = "password" | "hex" | "uuid" | "cephx" | "fernet" | "corosync-key" | "ipmi-password";

/** A secret the Puppet roles need, where it lives in hiera, and what it looks like. */
export interface SecretSpec {
  /** Stable name, used by `oci secrets rotate` and state/secrets.json: `<cluster>/<service>/<what>` or `autosign/<fqdn>`. */
  readonly name: string;
  readonly kind: SecretKind;
  readonly hieraFile: string;
  readonly hieraKey: string;
  /** Why generating it anew would break the running cluster or lose data; absent when it may be rotated. */
  readonly fixed?: string;
}

// Services with a MariaDB database, and those that talk to RabbitMQ (as OCI configures them).
const WITH_DATABASE: readonly Service[] = ["keystone", "glance", "nova", "neutron", "cinder", "heat", "aodh", "barbican", "panko"];
const WITH_RABBIT: readonly Service[] = ["glance", "nova", "neutron", "cinder", "heat", "aodh", "barbican", "ceilometer"];

/** Every secret of the site, sorted by name: what each cluster's services and roles need, plus per node an autosign token and its BMC password. */
export function secretCatalog(ir: SiteIR): SecretSpec[] {
  const specs: SecretSpec[] = [];
  for (const cluster of ir.clusters) specs.push(...clusterSecrets(cluster));
  for (const m of ir.machines) specs.push(...machineSecrets(m));
  return specs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// A resolved machine is frozen, and the compile cache gives an unchanged machine the same object:
// its specs stay the same objects too, and what later compiles keep by them (a secret's line of
// state/secrets.json) is found again.
const byMachine = new WeakMap<MachineIR, readonly SecretSpec[]>();

/** Per node: an autosign token, and its BMC's admin password (set in-band by Puppet, oci::bmc; what oci's power commands use). */
function machineSecrets(m: MachineIR): readonly SecretSpec[] {
  let specs = byMachine.get(m);
  if (!specs) {
    const hieraFile = `hiera/nodes/${m.fqdn}.yaml`;
    specs = Object.freeze([
      Object.freeze({ name: `autosign/${m.fqdn}`, kind: "hex" as const, hieraFile, hieraKey: "oci::node::autosign_token" }),
      ...(m.ipmi ? [Object.freeze({ name: `ipmi/${m.fqdn}`, kind: "ipmi-password" as const, hieraFile, hieraKey: "oci::bmc::password" })] : []),
    ]);
    if (Object.isFrozen(m)) byMachine.set(m, specs);
  }
  return specs;
}

function clusterSecrets(cluster: ClusterIR): SecretSpec[] {
  const file = `hiera/clusters/${cluster.name}.yaml`;
  const out: SecretSpec[] = [];
  const add = (service: string, what: string, kind: SecretKind, fixed?: string) =>
    out.push({ name: `${cluster.name}/${service}/${what}`, kind, hieraFile: file, hieraKey: `oci::profile::${service}::${what}`, ...(fixed ? { fixed } : {}) });
  const services = new Set(cluster.services);
  add("keystone", "admin_password", "password");
  for (const key of ["fernet_key_primary", "fernet_key_staged"]) add("keystone", key, "fernet");
  for (const key of ["credential_key_primary", "credential_key_staged"]) add("keystone", key, "fernet", "keystone encrypts the stored credentials (EC2, TOTP) with it: they could not be read any more");
  add("galera", "root_password", "password");
  add("rabbitmq", "erlang_cookie", "password");
  add("memcached", "secret_key", "password");
  add("haproxy", "stats_password", "password");
  if (cluster.vip.mode === "l2") add("vip", "authkey", "corosync-key");
  for (const s of WITH_DATABASE) if (services.has(s)) add(s, "db_password", "password");
  for (const s of cluster.services) if (s !== "keystone") add(s, "keystone_password", "password");
  for (const s of WITH_RABBIT) if (services.has(s)) add(s, "rabbit_password", "password");
  if (services.has("nova")) {
    add("placement", "db_password", "password");
    add("placement", "keystone_password", "password");
  }
  if (services.has("neutron")) add("neutron", "metadata_secret", "password");
  if (services.has("heat")) {
    add("heat", "auth_encryption_key", "hex", "heat encrypts stack parameters and credentials in its database with it: existing stacks could not be read any more");
    add("heat", "domain_password", "password");
  }
  if (services.has("barbican")) add("barbican", "kek", "fernet", "barbican's key-encryption key: every secret stored in barbican would be lost");
  if (services.has("ceilometer")) add("ceilometer", "telemetry_secret", "password");
  if (services.has("swift")) {
    add("swift", "hash_path_suffix", "hex", "swift places every object by this hash: every stored object would be lost to the cluster");
    add("swift", "hash_path_prefix", "hex", "swift places every object by this hash: every stored object would be lost to the cluster");
  }
  if (cluster.topology.cephOsds.length > 0) {
    add("ceph", "fsid", "uuid", "the Ceph cluster's identity: monitors and OSDs of the running cluster would refuse the new one");
    for (const key of ["mon_key", "admin_key", "bootstrap_osd_key", "mgr_key", "openstack_key"]) {
      add("ceph", key, "cephx", "Ceph's monitors hold the current key: a new one in hiera would lock the daemons and clients out (rotate it with ceph auth, not here)");
    }
  }
  return out;
}
