# @summary Role volume: cinder-volume on LVM.
class oci::role::volume {
  include oci::site
  include oci::base
  include oci::cluster
  include oci::node
  include oci::profile::tls
  include oci::profile::cinder
}
