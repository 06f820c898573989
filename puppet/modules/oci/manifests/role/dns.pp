# @summary Role dns: The cluster's DNS service machine.
class oci::role::dns {
  include oci::site
  include oci::base
  include oci::cluster
  include oci::node
  include oci::profile::tls
}
