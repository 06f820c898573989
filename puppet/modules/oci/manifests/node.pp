# @summary This machine, as oci decided it (hiera: nodes/<fqdn>.yaml).
# @param fqdn The machine's FQDN (its certname).
# @param hostname Short name.
# @param cluster Its cluster.
# @param role Its role.
# @param setup_wave Its setup wave.
# @param management_address Its address on the management network.
# @param interfaces Every interface: network, address, prefix, device, VLAN, MTU.
# @param autosign_token The token its CSR carries (eyaml-encrypted in hiera): kept in csr_attributes.yaml.
# @param serial DMI serial, when the site gives one.
# @param ipmi Its BMC's LAN settings (address, netmask, gateway), and its admin user's name, when it has one.
# @param instance_storage Computes: local or ceph.
# @param ceph_disks OSD nodes: the disks given to Ceph.
# @param volume_disks Volume nodes: the disks of the LVM volume group.
# @param swift A swift store: region, zone, weight, disks; a swift proxy: region and zone (affinity).
class oci::node (
  String[1] $fqdn,
  String[1] $hostname,
  String[1] $cluster,
  String[1] $role,
  Integer[1] $setup_wave,
  String[1] $management_address,
  Array[Hash] $interfaces,
  String[1] $autosign_token,
  Optional[String[1]] $serial = undef,
  Optional[Struct[{
    address           => String[1],
    netmask           => String[1],
    Optional[gateway] => String[1],
    Optional[user]    => String[1],
  }]] $ipmi = undef,
  Optional[Enum['local', 'ceph']] $instance_storage = undef,
  Optional[Array[String[1]]] $ceph_disks = undef,
  Optional[Array[String[1]]] $volume_disks = undef,
  Optional[Hash] $swift = undef,
) {
}
