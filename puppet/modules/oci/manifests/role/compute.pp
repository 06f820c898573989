# @summary Role compute: nova-compute and the Neutron agents; a Ceph client when instances or volumes live in Ceph.
class oci::role::compute {
  include oci::site
  include oci::base
  include oci::cluster
  include oci::node
  include oci::profile::tls
  include oci::profile::nova
  include oci::profile::neutron
  include oci::profile::ceph
  include oci::profile::cinder
}
