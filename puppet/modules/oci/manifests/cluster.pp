# @summary The cluster a machine belongs to, as oci decided it (hiera: clusters/<name>.yaml).
# @param cluster_name Cluster name.
# @param vip The API virtual address.
# @param vip_mode How the VIP moves: l2 (corosync/pacemaker) or bgp.
# @param vip_network The network the VIP is on.
# @param bgp vip_mode bgp: the controllers' AS number and the routers they announce the VIP to.
# @param public_endpoint The public API name.
# @param services OpenStack services the cluster runs.
# @param controllers The controllers (fqdn, hostname, management address), as each host list below.
# @param computes FQDNs of the computes.
# @param network_nodes FQDNs of the network nodes.
# @param volume_nodes FQDNs of the volume nodes.
# @param ceph_mons FQDNs of the Ceph monitors (the controllers when there are no cephmon machines).
# @param ceph_osds FQDNs of the Ceph OSD nodes.
# @param messaging_hosts FQDNs of the RabbitMQ nodes.
# @param sql_hosts FQDNs of the Galera nodes.
# @param swift_proxies FQDNs of the swift proxies.
# @param swift_stores FQDNs of the swift stores.
# @param swift_part_power Swift ring partition power.
# @param swift_replicas Swift ring replicas.
# @param cinder_backend lvm, ceph or none.
# @param glance_backend ceph, swift or file.
# @param virt_type libvirt's hypervisor on the computes: kvm or qemu (emulation).
# @param ovs_datapath Open vSwitch datapath of the bridges: system (the kernel module) or netdev (userspace).
class oci::cluster (
  String[1] $cluster_name,
  String[1] $vip,
  Enum['l2', 'bgp'] $vip_mode,
  String[1] $vip_network,
  String[1] $public_endpoint,
  Array[String[1]] $services,
  Array[Oci::Member] $controllers,
  Array[Oci::Member] $computes,
  Array[Oci::Member] $network_nodes,
  Array[Oci::Member] $volume_nodes,
  Array[Oci::Member] $ceph_mons,
  Array[Oci::Member] $ceph_osds,
  Array[Oci::Member] $messaging_hosts,
  Array[Oci::Member] $sql_hosts,
  Array[Oci::Member] $swift_proxies,
  Array[Oci::SwiftStore] $swift_stores,
  Integer[1] $swift_part_power,
  Integer[1] $swift_replicas,
  Enum['lvm', 'ceph', 'none'] $cinder_backend,
  Enum['ceph', 'swift', 'file'] $glance_backend,
  Enum['system', 'netdev'] $ovs_datapath,
  Enum['kvm', 'qemu'] $virt_type,
  Optional[Struct[{ asn => Integer[1], peers => Array[Struct[{ address => String[1], asn => Integer[1] }], 1] }]] $bgp = undef,
) {
}
