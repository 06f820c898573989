# @summary What every role starts from: the site, cluster and node data, the base system, the node's TLS material.
class oci::profile::base {
  include oci::site
  include oci::base
  include oci::cluster
  include oci::node
  include oci::profile::tls
}
