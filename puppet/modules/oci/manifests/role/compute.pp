# @summary Role compute: nova-compute and the Neutron agents; a Ceph client and cinder-volume for Ceph when the cluster has OSDs.
#
# Service profiles are included when the cluster runs the service, Ceph when it has OSDs:
# the same conditions under which the compiler emits their parameters.
class oci::role::compute {
  include oci::profile::base
  if 'nova' in $oci::cluster::services {
    include oci::profile::nova
  }
  if 'neutron' in $oci::cluster::services {
    include oci::profile::neutron
  }
  if 'cinder' in $oci::cluster::services {
    include oci::profile::cinder
  }
  if 'ceilometer' in $oci::cluster::services {
    include oci::profile::ceilometer
  }
  unless empty($oci::cluster::ceph_osds) {
    include oci::profile::ceph
  }
}
