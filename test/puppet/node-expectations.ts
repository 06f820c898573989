import assert from "node:assert/strict";
import type { Catalog } from "../helpers/puppet-catalog.js";

interface Member { readonly fqdn: string; readonly hostname: string; readonly address: string }
interface SwiftStore { readonly address: string; readonly region: number; readonly zone: number; readonly weight: number; readonly disks: readonly string[] }
interface Interface { readonly address: string; readonly purpose: string }

/** The frontends HAProxy must carry on the VIP for each service, independently of how the module lists them. */
const FRONTENDS: Record<string, readonly string[]> = {
  keystone: ["keystone"], nova: ["nova", "nova_metadata", "novnc", "placement"], neutron: ["neutron"], glance: ["glance"], cinder: ["cinder"],
  swift: ["swift"], heat: ["heat", "heat_cfn"], aodh: ["aodh"], barbican: ["barbican"], panko: ["panko"], ceilometer: [],
};

/**
 * Checks one node's compiled catalog against what its role and its cluster's data call for: who runs
 * which service, where the one-time cluster work happens (databases, users, keystone registrations,
 * rings, pools, the VIP resource), and the settings that carry the compiler's decisions.
 */
export function checkNodeCatalog(c: Catalog, cluster: Record<string, unknown>, node: Record<string, unknown>): void {
  const get = <T>(key: string) => cluster[`oci::cluster::${key}`] as T;
  const fqdn = node["oci::node::fqdn"] as string;
  const hostname = node["oci::node::hostname"] as string;
  const role = node["oci::node::role"] as string;
  const address = node["oci::node::management_address"] as string;
  const services = get<string[]>("services");
  const hostnames = (list: string) => get<Member[]>(list).map((m) => m.hostname);
  const isFirst = (list: string) => hostnames(list)[0] === hostname;
  const at = `${fqdn} (${role})`;
  const classes = (prefix: string) => c.titles("Class").filter((t) => t === prefix || t.startsWith(`${prefix}::`));

  assert.ok(c.has("Class", `Oci::Role::${role[0]!.toUpperCase()}${role.slice(1)}`), `${at}: its role class`);
  const key = c.find("File", "/etc/ssl/oci/node.key");
  assert.match(String(key?.parameters?.["content"] ?? ""), new RegExp(`^-----BEGIN ${"PRIVATE"} KEY-----`), `${at}: the eyaml-encrypted key arrives decrypted`);

  // The BMC: its LAN address and its admin password where the site gives the machine one; the password never in the command.
  const ipmi = node["oci::node::ipmi"] as { address: string } | undefined;
  assert.equal(c.has("Exec", "oci bmc lan address"), ipmi !== undefined, `${at}: BMC address`);
  // Its admin user (id 2) gets the site's name for it: what oci power logs in as.
  const userName = c.find("Exec", "oci bmc user name")?.parameters;
  assert.equal(userName !== undefined, ipmi !== undefined, `${at}: BMC user name`);
  if (userName) assert.equal(userName["command"], `ipmitool user set name 2 ${(ipmi as { user?: string }).user}`, `${at}: the site's BMC user`);
  const password = c.find("Exec", "oci bmc password");
  assert.equal(password !== undefined, ipmi !== undefined, `${at}: BMC password`);
  if (password) {
    assert.doesNotMatch(String(password.parameters?.["command"]), /OCI_BMC_PASSWORD=/, `${at}: password kept out of the command`);
    assert.match(String([password.parameters?.["environment"]].flat()[0]), /^OCI_BMC_PASSWORD=[A-Za-z0-9]{16}$/, `${at}: the decrypted password, in the environment`);
  }

  // Ceph: monitors on ceph_mons, OSDs on the node's ceph disks, pools by the first monitor, client.openstack where services use rbd.
  const withCeph = get<Member[]>("ceph_osds").length > 0;
  const isMon = withCeph && hostnames("ceph_mons").includes(hostname);
  // Without cephmon machines the controllers are the monitors (the compiler decides it; the catalogs must follow).
  if (withCeph && !get<Member[]>("ceph_mons").some((m) => m.hostname.includes("cephmon"))) assert.deepEqual(hostnames("ceph_mons"), hostnames("controllers"));
  assert.deepEqual(c.titles("Ceph::Mon"), isMon ? [hostname] : [], `${at}: ceph monitor`);
  assert.deepEqual(c.titles("Ceph::Osd"), role === "cephosd" ? (node["oci::node::ceph_disks"] as string[]).map((d) => `/dev/${d}`).sort() : [], `${at}: OSDs`);
  assert.deepEqual(c.titles("Ceph::Pool"), withCeph && isFirst("ceph_mons") ? ["images", "vms", "volumes"] : [], `${at}: pools`);
  assert.equal(c.has("Ceph::Key", "client.openstack"), withCeph && (isMon || role === "controller" || role === "compute"), `${at}: client.openstack`);

  // Cinder: cinder-volume on the computes with Ceph, on the volume nodes with LVM, nowhere else.
  const cinderBackend = get<string>("cinder_backend");
  const expectedVolume = role === "compute" && cinderBackend === "ceph" ? "ceph" : role === "volume" && cinderBackend === "lvm" ? "lvm" : undefined;
  assert.equal(c.config("Cinder_config", "DEFAULT/enabled_backends"), expectedVolume, `${at}: cinder-volume backend`);

  // Nova: the control plane on controllers (cells set up by the first), nova-compute on computes with the instance storage the compiler chose.
  assert.equal(c.has("Class", "Nova"), services.includes("nova") && (role === "controller" || role === "compute"), `${at}: nova`);
  if (services.includes("nova") && (role === "controller" || role === "compute")) {
    // The password nova is given for placement and neutron is its own user's.
    assert.deepEqual([c.config("Nova_config", "placement/username"), c.config("Nova_config", "neutron/username")], ["nova", "nova"], `${at}: nova's service user`);
  }
  if (services.includes("nova") && role === "compute") {
    assert.equal(c.config("Nova_config", "libvirt/virt_type"), get<string>("virt_type"), `${at}: the cluster's hypervisor`);
    assert.equal(c.config("Nova_config", "libvirt/images_type"), node["oci::node::instance_storage"] === "ceph" ? "rbd" : "qcow2", `${at}: instance storage`);
    assert.equal(c.has("Class", "Nova::Compute::Rbd"), withCeph, `${at}: the libvirt secret for rbd volumes`);
  }
  if (services.includes("nova") && role === "controller") {
    const answers = c.find("Exec", "oci: keystone answers");
    assert.ok(answers, `${at}: waits for keystone`);
    assert.ok([c.find("Oci::Wait_until", "keystone answers")?.parameters?.["require"]].flat().includes("Service[httpd]"), `${at}: keystone is waited for once Apache runs`);
    for (const service of ["nova-conductor", "nova-scheduler"]) {
      assert.ok([answers.parameters?.["before"]].flat().includes(`Service[${service}]`), `${at}: ${service} starts once keystone answers (${JSON.stringify(answers.parameters?.["before"])})`);
    }
    // The keystone providers find the auth URL to check passwords with in /root/openrc (found by npm run test:cloud's second run).
    const openrc = c.find("File", "/root/openrc")?.parameters;
    assert.equal(openrc?.["mode"], "0600", `${at}: openrc root-only`);
    assert.match(String(openrc?.["content"]), new RegExp(`^export OS_AUTH_URL=https://${get<string>("vip").replace(/\./g, "\\.")}:5000/v3$`, "m"), `${at}: openrc's auth URL`);
    assert.ok([openrc?.["before"]].flat().some((b) => String(b).startsWith("Keystone_user[")) || !isFirst("controllers"), `${at}: openrc before the keystone users are checked`);
    // ... and once nova's own user logs in: on the first controller, after it created it (found by npm run test:cloud).
    const authenticates = c.find("Oci::Wait_until", "nova authenticates")?.parameters;
    for (const service of ["nova-conductor", "nova-scheduler"]) assert.ok([authenticates?.["before"]].flat().includes(`Service[${service}]`), `${at}: ${service} starts once nova authenticates`);
    assert.match(String(authenticates?.["check"]), /-d @\/etc\/nova\/oci-auth-check\.json https:/, `${at}: credentials from a root-only file, not argv`);
    assert.match(String(c.find("File", "/etc/nova/oci-auth-check.json")?.parameters?.["content"]), /"name":"nova".*"password":"[^"]+"/, `${at}: nova's credentials`);
    assert.equal([c.find("Class", "Nova::Keystone::Auth")?.parameters?.["before"]].flat().includes("Exec[oci: nova authenticates]"), isFirst("controllers"), `${at}: the first controller creates nova's user first`);
    assert.ok(c.has("Class", "Nova::Api") && c.has("Class", "Placement::Api"), `${at}: nova and placement APIs`);
    assert.equal(c.find("Service", "placement-api")?.parameters?.["ensure"], "stopped", `${at}: placement under Apache only (found by npm run test:cloud)`);
    assert.equal(c.has("Class", "Nova::Cell_v2::Simple_setup"), isFirst("controllers"), `${at}: cells set up once`);
    // ... from nova.conf's settings, as nova reports them back, so a second run changes nothing (found by npm run test:cloud).
    if (isFirst("controllers")) for (const cell of ["cell0", "default"]) assert.equal(c.find("Nova_cell_v2", cell)?.parameters?.["database_connection"], "default", `${at}: cell ${cell}`);
    // New computes are mapped to the cell by one scheduler, the first controller's (found by npm run test:cloud).
    assert.equal(c.config("Nova_config", "scheduler/discover_hosts_in_cells_interval"), isFirst("controllers") ? 60 : -1, `${at}: computes mapped to the cell`);
  }

  // Neutron: L3/DHCP/metadata on the network nodes (else the controllers), OVS tunnels on the vm network address.
  if (services.includes("neutron")) {
    const agentHosts = get<Member[]>("network_nodes").length > 0 ? "network_nodes" : "controllers";
    const isAgentHost = hostnames(agentHosts).includes(hostname);
    assert.equal(c.has("Class", "Neutron::Agents::L3"), isAgentHost, `${at}: L3 agent`);
    assert.equal(c.has("Class", "Neutron::Agents::Ml2::Ovs"), isAgentHost || role === "compute", `${at}: OVS agent`);
    const publicDevice = (node["oci::node::interfaces"] as (Interface & { device: string })[]).find((i) => i.purpose === "public")?.device;
    assert.deepEqual(c.titles("Vs_port"), isAgentHost && publicDevice ? [publicDevice] : [], `${at}: br-ex plugged into the public interface`);
    const datapath = get<string>("ovs_datapath");
    if (isAgentHost || role === "compute") assert.equal(c.config("Neutron_agent_ovs", "ovs/datapath_type"), datapath, `${at}: the agent's bridges on the cluster's OVS datapath`);
    const brEx = c.find("Exec", "oci: br-ex datapath");
    assert.equal(brEx !== undefined, isAgentHost, `${at}: br-ex made with the datapath type where the agents run`);
    if (brEx) {
      assert.match(String(brEx.parameters?.["command"]), new RegExp(`datapath_type=${datapath}$`), `${at}: br-ex datapath`);
      assert.ok([brEx.parameters?.["before"]].flat().includes("Vs_bridge[br-ex]"), `${at}: br-ex made before vs_bridge looks for it`);
    }
    // Only agent hosts map external:br-ex; elsewhere Debian's default mapping is removed, or the agent exits for want of br-ex (found by npm run test:cloud).
    if (isAgentHost || role === "compute") {
      const mapping = c.find("Neutron_agent_ovs", "ovs/bridge_mappings")?.parameters;
      assert.deepEqual(isAgentHost ? mapping?.["value"] : mapping?.["ensure"], isAgentHost ? "external:br-ex" : "absent", `${at}: bridge mappings`);
    }
    // On the userspace datapath the tunnel address is on br-vm, the vm device its port (found by npm run test:cloud: no VXLAN packet left the node).
    const vmInterface = (node["oci::node::interfaces"] as (Interface & { device?: string; prefix: number })[]).find((i) => i.purpose === "vm");
    const tunnelBridge = c.find("Exec", "oci: br-vm, the tunnel bridge");
    assert.equal(tunnelBridge !== undefined, datapath === "netdev" && (isAgentHost || role === "compute") && vmInterface !== undefined, `${at}: the tunnel bridge where OVS tunnels on the userspace datapath`);
    if (tunnelBridge) {
      assert.match(String(tunnelBridge.parameters?.["command"]), new RegExp(`add-port br-vm ${vmInterface!.device}$`), `${at}: the vm device a port of br-vm`);
      assert.ok([tunnelBridge.parameters?.["before"]].flat().includes("Class[Neutron::Agents::Ml2::Ovs]"), `${at}: br-vm before the agent`);
      const files = node["oci::network::files"] as Record<string, string>;
      assert.match(files["40-oci-br-vm.network"] ?? "", new RegExp(`^Address=${vmInterface!.address}/${vmInterface!.prefix}$`, "m"), `${at}: the tunnel address on br-vm`);
      assert.ok(!Object.entries(files).some(([name, text]) => name !== "40-oci-br-vm.network" && text.includes(`Address=${vmInterface!.address}/`)), `${at}: the tunnel address on br-vm alone`);
    }
    if (role === "compute") {
      const vm = (node["oci::node::interfaces"] as Interface[]).find((i) => i.purpose === "vm")?.address ?? address;
      assert.equal(c.config("Neutron_agent_ovs", "ovs/local_ip"), vm, `${at}: VXLAN on the vm network`);
    }
  } else assert.deepEqual(classes("Neutron"), [], `${at}: no neutron in a cluster without it`);

  // Swift: rings built by the first proxy from the stores' regions, zones, weights and disks; the others fetch them.
  if (services.includes("swift")) {
    const stores = get<SwiftStore[]>("swift_stores");
    for (const [type, port] of [["Ring_object_device", 6000], ["Ring_container_device", 6001], ["Ring_account_device", 6002]] as const) {
      const expected = isFirst("swift_proxies") ? stores.flatMap((s) => s.disks.map((d) => `${s.address}:${port}/${d}`)).sort() : [];
      assert.deepEqual(c.titles(type), expected, `${at}: ${type}`);
    }
    for (const store of stores) {
      for (const disk of store.disks) {
        const device = c.find("Ring_object_device", `${store.address}:6000/${disk}`);
        if (device) assert.deepEqual([device.parameters?.["region"], device.parameters?.["zone"], device.parameters?.["weight"]], [store.region, store.zone, store.weight]);
      }
    }
    // The proxies are the swiftproxy machines, or the controllers where the cluster has none.
    const isProxy = hostnames("swift_proxies").includes(hostname);
    assert.equal(c.has("Class", "Swift::Proxy"), isProxy, `${at}: swift proxy`);
    const place = node["oci::node::swift"] as { region: number; zone: number } | undefined;
    if (isProxy) {
      const affinity = place ? [`r${place.region}z${place.zone}=100, r${place.region}=200`, `r${place.region}`] : ["<SERVICE DEFAULT>", "<SERVICE DEFAULT>"];
      assert.deepEqual([c.config("Swift_proxy_config", "app:proxy-server/read_affinity"), c.config("Swift_proxy_config", "app:proxy-server/write_affinity")], affinity, `${at}: affinity from its place`);
    }
    const swiftNode = isProxy || role === "swiftstore";
    assert.deepEqual(c.titles("Swift::Ringsync"), swiftNode && !isFirst("swift_proxies") ? ["account", "container", "object"] : [], `${at}: rings fetched`);
    const disks = role === "swiftstore" ? (node["oci::node::swift"] as { disks: string[] }).disks.map((d) => `/srv/node/${d}`).sort() : [];
    assert.deepEqual(c.titles("Mount"), disks, `${at}: store disks mounted`);
  }

  // Memcached where keystonemiddleware and swift cache: controllers and swift proxies, on the management address.
  const memcached = c.find("Class", "Memcached");
  assert.equal(memcached !== undefined, role === "controller" || role === "swiftproxy", `${at}: memcached`);
  if (memcached) assert.equal(memcached.parameters?.["listen_ip"], address);

  // Galera and RabbitMQ: databases and users created once, for exactly the services the compiler gave a password.
  const withSecret = (what: string) => services.concat(["placement"]).filter((s) => cluster[`oci::profile::${s}::${what}`] !== undefined);
  const databases = withSecret("db_password").flatMap((s) => (s === "nova" ? ["nova", "nova_api", "nova_cell0"] : [s])).sort();
  assert.deepEqual(c.titles("Mysql_database"), isFirst("sql_hosts") ? databases : [], `${at}: databases`);
  const rabbitUsers = c.titles("Rabbitmq_user").filter((u) => u !== "guest");
  assert.deepEqual(rabbitUsers, isFirst("messaging_hosts") ? withSecret("rabbit_password").sort() : [], `${at}: RabbitMQ users`);
  if (isFirst("messaging_hosts")) assert.equal(c.find("Rabbitmq_user", "guest")?.parameters?.["ensure"], "absent", `${at}: no guest user`);

  if (role !== "controller") {
    assert.deepEqual(c.titles("Keystone::Resource::Service_identity"), [], `${at}: keystone registrations only on the first controller`);
    return;
  }

  // Keystone registrations, by the first controller only: every service but keystone itself, placement with nova.
  const registered = new Set(c.titles("Keystone::Resource::Service_identity"));
  const expectedRegistrations = services.filter((s) => s !== "keystone").concat(services.includes("nova") ? ["placement"] : []);
  if (isFirst("controllers")) for (const s of expectedRegistrations) assert.ok(registered.has(s), `${at}: ${s} registered in keystone`);
  else assert.equal(registered.size, 0, `${at}: registrations on the first controller only`);

  // Every API served by Apache listens on the management address with TLS; HAProxy checks each backend's certificate.
  const vhosts = c.resources.filter((r) => r.type === "Apache::Vhost" && r.parameters?.["ensure"] !== "absent");
  assert.ok(vhosts.length >= 1, `${at}: Apache vhosts`);
  // Debian 12 has only the Python 3 WSGI module (found by npm run test:cloud: the wrapped module's default is not installable).
  assert.deepEqual(c.resources.filter((r) => r.type === "Package" && /mod-wsgi/.test(r.title)).map((r) => r.title), ["libapache2-mod-wsgi-py3"], `${at}: mod_wsgi for Python 3`);
  for (const vhost of vhosts) assert.deepEqual([vhost.title, vhost.parameters?.["ssl"], vhost.parameters?.["ip"]], [vhost.title, true, address], `${at}: TLS on the management address`);
  const frontends = services.flatMap((s) => FRONTENDS[s] ?? []);
  // Schema syncs wait for the VIP to answer (found by npm run test:cloud).
  const waits = c.find("Exec", "oci: the VIP answers")?.parameters?.["before"];
  const syncs = c.resources.filter((r) => r.type === "Exec" && (r.tags ?? []).includes("openstack-db")).map((r) => `Exec[${r.title}]`);
  if (syncs.length) for (const sync of syncs) assert.ok([waits].flat().includes(sync), `${at}: ${sync} after the VIP answers (${JSON.stringify(waits)})`);
  assert.ok([c.find("Oci::Wait_until", "the VIP answers")?.parameters?.["require"]].flat().includes("Service[haproxy]"), `${at}: the VIP is waited for once HAProxy runs`);
  const glanceTls = services.includes("glance") ? ["glance_tls"] : [];
  assert.deepEqual(c.titles("Haproxy::Listen"), [...frontends, ...glanceTls, "galera", "stats"].sort(), `${at}: HAProxy frontends`);
  const vip = get<string>("vip");
  // Placement answers OPTIONS / with 405: its check is GET / (found by npm run test:cloud).
  if (services.includes("nova")) assert.deepEqual((c.find("Haproxy::Listen", "placement")?.parameters?.["options"] as { option: string[] }).option, ["forwardfor", "httpchk GET /"], `${at}: placement checked by GET /`);
  // glance-api has no TLS: it listens on localhost and the node's HAProxy terminates TLS on the management address (found by npm run test:cloud).
  if (services.includes("glance")) {
    assert.equal(c.config("Glance_api_config", "DEFAULT/bind_host"), "127.0.0.1", `${at}: glance-api on localhost`);
    const local = c.find("Haproxy::Listen", "glance_tls")?.parameters;
    assert.deepEqual(local?.["bind"], { [`${address}:9292`]: ["ssl", "crt", "/etc/haproxy/oci-node.pem"] }, `${at}: glance's TLS on the management address`);
    assert.deepEqual((local?.["options"] as { server: string[] }).server, ["glance-api 127.0.0.1:9292 check"], `${at}: to glance-api on localhost`);
    assert.match(String(c.find("File", "/etc/haproxy/oci-node.pem")?.parameters?.["content"]), new RegExp(`^-----BEGIN CERTIFICATE-----[\\s\\S]*-----BEGIN ${"PRIVATE"} KEY-----`), `${at}: the node's certificate and key for HAProxy`);
  }
  for (const listen of c.resources.filter((r) => r.type === "Haproxy::Listen" && !["stats", "glance_tls"].includes(r.title))) {
    assert.match(Object.keys(listen.parameters?.["bind"] as object)[0]!, new RegExp(`^${vip.replace(/\./g, "\\.")}:\\d+$`), `${at}: ${listen.title} on the VIP`);
  }
  const members = (service: string) => c.resources.filter((r) => r.type === "Haproxy::Balancermember" && r.parameters?.["listening_service"] === service);
  for (const frontend of frontends) for (const m of members(frontend)) assert.match(String(m.parameters?.["options"]), /ssl verify required ca-file/, `${at}: ${frontend} backend TLS verified`);
  const addresses = (list: string) => get<Member[]>(list).map((m) => m.address).sort();
  assert.deepEqual(members("keystone").map((m) => m.parameters?.["ipaddresses"]).sort(), addresses("controllers"));
  if (services.includes("swift")) assert.deepEqual(members("swift").map((m) => m.parameters?.["ipaddresses"]).sort(), addresses("swift_proxies"));
  const galera = members("galera");
  assert.deepEqual(galera.map((m) => [m.parameters?.["ipaddresses"], m.parameters?.["options"]]), get<Member[]>("sql_hosts").map((m, i) => [m.address, i === 0 ? "check" : "check backup"]), `${at}: one Galera writer`);

  // Keystone through puppet-module-keystone: its database on the VIP, its public endpoint, the same fernet keys everywhere.
  assert.match(String(c.config("Keystone_config", "database/connection")), new RegExp(`^mysql\\+pymysql://keystone:[^@]+@${vip.replace(/\./g, "\\.")}/keystone$`), `${at}: keystone's database`);
  assert.equal(c.config("Keystone_config", "DEFAULT/public_endpoint"), `https://${get<string>("public_endpoint")}:5000`);
  assert.match(String(c.find("File", "/etc/keystone/fernet-keys/1")?.parameters?.["content"]), /^[A-Za-z0-9_-]{43}=$/, `${at}: fernet key decrypted`);

  // Galera through puppetlabs-mysql: the cluster address lists the SQL hosts; TLS with the node certificate.
  const server = c.find("Class", "Mysql::Server");
  const mysqld = (server?.parameters?.["override_options"] as { mysqld: Record<string, string> } | undefined)?.mysqld;
  // One SQL host forms its own primary component (gcomm://); with more, the first bootstraps the new cluster once (found by npm run test:cloud).
  const sqlHosts = get<Member[]>("sql_hosts");
  assert.equal(mysqld?.["wsrep_cluster_address"], `gcomm://${sqlHosts.length === 1 ? "" : sqlHosts.map((m) => m.address).join(",")}`, `${at}: galera members`);
  assert.equal(c.has("Exec", "oci: bootstrap the Galera cluster"), sqlHosts.length > 1 && isFirst("sql_hosts"), `${at}: Galera bootstrapped by its first member only`);
  assert.equal(mysqld?.["ssl-cert"], "/etc/ssl/oci/node.pem");
  // root@localhost comes to a joiner with the state transfer: only the first member sets its password (found by npm run test:cloud-ha).
  assert.equal(server?.parameters?.["create_root_user"], isFirst("sql_hosts"), `${at}: root's password set by the first member only`);
  // State transfers log in over the socket as mysql@localhost, which MariaDB creates: no SST user to create, no password (found by npm run test:cloud-ha).
  assert.equal(mysqld?.["wsrep_sst_auth"], "mysql:", `${at}: SST over the socket`);
  assert.ok(c.has("Package", "socat"), `${at}: socat for mariabackup's stream`);
  // A joiner's first start waits for the first member, once (found by npm run test:cloud-ha).
  const galeraWait = c.find("Exec", "oci: the first Galera member answers")?.parameters;
  assert.equal(galeraWait !== undefined, sqlHosts.length > 1 && !isFirst("sql_hosts"), `${at}: joiners wait for the first Galera member`);
  if (galeraWait) {
    assert.equal(galeraWait["creates"], "/var/lib/mysql/grastate.dat", `${at}: only before its first join`);
    assert.ok(String(galeraWait["command"]).includes(`/dev/tcp/${sqlHosts[0]!.address}/4567`), `${at}: the first member's Galera port`);
  }
  // Databases in the charset MariaDB 10.11 reports, so a second run changes none (found by npm run test:cloud).
  const databaseClasses = c.resources.filter((r) => r.type === "Class" && /::Db::Mysql(_api)?$/.test(r.title));
  assert.equal(databaseClasses.length > 0, isFirst("sql_hosts"), `${at}: the first SQL host creates the databases`);
  for (const db of databaseClasses) assert.deepEqual([db.parameters?.["charset"], db.parameters?.["collate"]], ["utf8mb3", "utf8mb3_general_ci"], `${at}: ${db.title} charset`);
  assert.deepEqual([c.find("Service", "mariadb.socket")?.parameters?.["ensure"], c.find("Service", "mariadb.socket")?.parameters?.["enable"]], ["stopped", false], `${at}: no socket activation on 3306`);

  // RabbitMQ through puppetlabs-rabbitmq: clustered across the messaging hosts, TLS only.
  const rabbit = c.find("Class", "Rabbitmq")?.parameters;
  assert.deepEqual(rabbit?.["cluster_nodes"], hostnames("messaging_hosts"));
  assert.equal(rabbit?.["ssl_only"], true);
  // Two first starts at once could form two clusters: a joiner waits for the first node, once (found by npm run test:cloud-ha).
  const rabbitWait = c.find("Exec", "oci: the first RabbitMQ node answers")?.parameters;
  assert.equal(rabbitWait !== undefined, !isFirst("messaging_hosts"), `${at}: joiners wait for the first RabbitMQ node`);
  if (rabbitWait) assert.match(String(rabbitWait["creates"]), /^\/var\/lib\/rabbitmq\/mnesia\/rabbit@[a-z0-9-]+$/, `${at}: only before its first start`);

  // Glance: the image store the compiler chose.
  if (services.includes("glance")) {
    const backend = get<string>("glance_backend");
    assert.equal(c.config("Glance_api_config", "DEFAULT/enabled_backends"), `${backend}:${{ ceph: "rbd", swift: "swift", file: "file" }[backend]}`);
  }

  // The VIP: l2 moves it with pacemaker (one primitive, created by the first controller); bgp announces it from every controller.
  if (get<string>("vip_mode") === "l2") {
    assert.ok(c.has("Class", "Corosync"), `${at}: corosync`);
    assert.equal(c.find("Service", "pacemaker")?.parameters?.["ensure"], "running", `${at}: pacemaker started (found by npm run test:cloud)`);
    // Corosync 3 refuses to start with secauth on any transport but knet (found by npm run test:cloud).
    const corosync = String(c.find("File", "/etc/corosync/corosync.conf")?.parameters?.["content"]);
    assert.match(corosync, /secauth:\s+on/, `${at}: corosync authenticated`);
    assert.doesNotMatch(corosync, /transport:\s+(udpu|udp)\b/, `${at}: corosync on knet, the transport it encrypts`);
    for (const address of addresses("controllers")) assert.ok(corosync.includes(`ring0_addr: ${address}`), `${at}: corosync member ${address}`);
    const primitive = c.find("Cs_primitive", "oci-vip");
    assert.equal(primitive !== undefined, isFirst("controllers"), `${at}: the VIP resource once`);
    if (primitive) assert.equal((primitive.parameters?.["parameters"] as Record<string, string>)["ip"], vip);
  } else {
    assert.equal(c.has("Class", "Corosync"), false, `${at}: no corosync with BGP`);
    const bird = String(c.find("File", "/etc/bird/bird.conf")?.parameters?.["content"]);
    const bgp = get<{ asn: number; peers: { address: string; asn: number }[] }>("bgp");
    for (const peer of bgp.peers) assert.ok(bird.includes(`neighbor ${peer.address} as ${peer.asn};`) && bird.includes(`local as ${bgp.asn};`), `${at}: BGP peer ${peer.address}`);
    assert.ok(bird.includes(`net = ${vip}/32`), `${at}: announces the VIP`);
  }
}
