# @summary Role controller: Every API behind HAProxy on the VIP, Galera, RabbitMQ and the control plane of each service.
class oci::role::controller {
  include oci::site
  include oci::base
  include oci::cluster
  include oci::node
  include oci::profile::tls
  include oci::profile::haproxy
  include oci::profile::galera
  include oci::profile::rabbitmq
  include oci::profile::memcached
  include oci::profile::keystone
  include oci::profile::nova
  include oci::profile::neutron
  include oci::profile::glance
  include oci::profile::cinder
  include oci::profile::heat
  include oci::profile::aodh
  include oci::profile::barbican
  include oci::profile::ceilometer
  include oci::profile::panko
  include oci::profile::swift
  include oci::profile::ceph
}
