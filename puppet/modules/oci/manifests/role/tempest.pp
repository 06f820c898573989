# @summary Role tempest: Tempest, the test suite run against the cluster.
class oci::role::tempest {
  include oci::site
  include oci::base
  include oci::cluster
  include oci::node
  include oci::profile::tls
  include oci::profile::keystone
}
