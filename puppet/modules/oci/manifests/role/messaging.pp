# @summary Role messaging: RabbitMQ, when the cluster has messaging machines.
class oci::role::messaging {
  include oci::site
  include oci::base
  include oci::cluster
  include oci::node
  include oci::profile::tls
  include oci::profile::rabbitmq
}
