# @summary Role tempest: Tempest, the test suite run against the cluster.
#
# Service profiles are included when the cluster runs the service, Ceph when it has OSDs:
# the same conditions under which the compiler emits their parameters.
class oci::role::tempest {
  include oci::profile::base
}
