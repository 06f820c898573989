# @summary Role cephosd: Ceph OSDs on the machine's ceph disks.
class oci::role::cephosd {
  include oci::site
  include oci::base
  include oci::cluster
  include oci::node
  include oci::profile::tls
  include oci::profile::ceph
}
