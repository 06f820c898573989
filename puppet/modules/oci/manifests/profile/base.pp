# @summary What every role starts from: the site, cluster and node data, the base system, the
#   machine's network, its Puppet agent, its BMC address and its TLS material.
class oci::profile::base {
  include oci::site
  include oci::base
  include oci::cluster
  include oci::node
  include oci::network
  include oci::puppet_agent
  include oci::bmc
  include oci::profile::tls
}
