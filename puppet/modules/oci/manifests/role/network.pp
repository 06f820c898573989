# @summary Role network: Neutron's L3/DHCP/metadata agents.
class oci::role::network {
  include oci::site
  include oci::base
  include oci::cluster
  include oci::node
  include oci::profile::tls
  include oci::profile::neutron
}
