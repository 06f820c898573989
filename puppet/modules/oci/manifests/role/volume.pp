# @summary Role volume: cinder-volume on LVM.
#
# Service profiles are included when the cluster runs the service, Ceph when it has OSDs:
# the same conditions under which the compiler emits their parameters.
class oci::role::volume {
  include oci::profile::base
  if 'cinder' in $oci::cluster::services {
    include oci::profile::cinder
  }
}
