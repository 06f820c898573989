# @summary Role cephmon: A Ceph monitor.
class oci::role::cephmon {
  include oci::profile::base
  include oci::profile::ceph
}
