# @summary Role cephmon: A Ceph monitor.
class oci::role::cephmon {
  include oci::site
  include oci::base
  include oci::cluster
  include oci::node
  include oci::profile::tls
  include oci::profile::ceph
}
