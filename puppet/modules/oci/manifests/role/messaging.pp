# @summary Role messaging: RabbitMQ, when the cluster has messaging machines.
class oci::role::messaging {
  include oci::profile::base
  include oci::profile::rabbitmq
}
