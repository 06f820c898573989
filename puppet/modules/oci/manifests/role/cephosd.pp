# @summary Role cephosd: Ceph OSDs on the machine's ceph disks.
class oci::role::cephosd {
  include oci::profile::base
  include oci::profile::ceph
}
