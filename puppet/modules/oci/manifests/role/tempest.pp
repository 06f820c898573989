# @summary Role tempest: Tempest, the test suite run against the cluster.
class oci::role::tempest {
  include oci::profile::base
}
