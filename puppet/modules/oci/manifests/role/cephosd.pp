# @summary Role cephosd: Ceph OSDs on the machine's ceph disks.
#
# Service profiles are included when the cluster runs the service, Ceph when it has OSDs:
# the same conditions under which the compiler emits their parameters.
class oci::role::cephosd {
  include oci::profile::base
  include oci::profile::ceph
}
