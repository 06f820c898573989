# @summary Role messaging: RabbitMQ, when the cluster has messaging machines.
#
# Service profiles are included when the cluster runs the service, Ceph when it has OSDs:
# the same conditions under which the compiler emits their parameters.
class oci::role::messaging {
  include oci::profile::base
  include oci::profile::rabbitmq
}
