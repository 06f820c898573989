# @summary Role dns: The cluster's DNS service machine.
#
# Service profiles are included when the cluster runs the service, Ceph when it has OSDs:
# the same conditions under which the compiler emits their parameters.
class oci::role::dns {
  include oci::profile::base
}
