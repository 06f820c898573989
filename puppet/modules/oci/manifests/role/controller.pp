# @summary Role controller: every API behind HAProxy on the VIP, Galera, RabbitMQ, memcached
#   and the control plane of each service the cluster runs.
#
# Service profiles are included when the cluster runs the service, Ceph when it has OSDs:
# the same conditions under which the compiler emits their parameters.
class oci::role::controller {
  include oci::profile::base
  include oci::profile::vip
  include oci::profile::haproxy
  # Galera and RabbitMQ run here unless the cluster has sql / messaging machines of their own.
  if oci::is_member($oci::cluster::sql_hosts) {
    include oci::profile::galera
  }
  if oci::is_member($oci::cluster::messaging_hosts) {
    include oci::profile::rabbitmq
  }
  include oci::profile::memcached
  include oci::profile::apache
  include oci::profile::keystone
  if 'nova' in $oci::cluster::services {
    include oci::profile::placement
    include oci::profile::nova
  }
  if 'neutron' in $oci::cluster::services {
    include oci::profile::neutron
  }
  if 'glance' in $oci::cluster::services {
    include oci::profile::glance
  }
  if 'cinder' in $oci::cluster::services {
    include oci::profile::cinder
  }
  if 'heat' in $oci::cluster::services {
    include oci::profile::heat
  }
  if 'aodh' in $oci::cluster::services {
    include oci::profile::aodh
  }
  if 'barbican' in $oci::cluster::services {
    include oci::profile::barbican
  }
  if 'ceilometer' in $oci::cluster::services {
    include oci::profile::ceilometer
  }
  if 'panko' in $oci::cluster::services {
    include oci::profile::panko
  }
  if 'swift' in $oci::cluster::services {
    include oci::profile::swift
  }
  unless empty($oci::cluster::ceph_osds) {
    include oci::profile::ceph
  }
}
