# @summary Role volume: cinder-volume on LVM.
#
# Service profiles are included when the cluster runs the service, Ceph when it has OSDs:
# the same conditions under which the compiler emits their parameters.
class oci::role::volume {
  include oci::site
  include oci::base
  include oci::cluster
  include oci::node
  include oci::profile::tls
  if 'cinder' in $oci::cluster::services {
    include oci::profile::cinder
  }
}
