# @summary Role network: Neutron's L3/DHCP/metadata agents.
#
# Service profiles are included when the cluster runs the service, Ceph when it has OSDs:
# the same conditions under which the compiler emits their parameters.
class oci::role::network {
  include oci::profile::base
  if 'neutron' in $oci::cluster::services {
    include oci::profile::neutron
  }
}
