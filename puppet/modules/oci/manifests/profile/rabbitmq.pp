# @summary RabbitMQ (messaging, TLS): its Erlang cookie.
#
# The parameters are the data contract with the compiler (test/puppet checks both sides agree).
# Wrapping Debian's puppet-module-rabbitmq with them is the open part of the Puppet module issue.
# @param erlang_cookie From the cluster's eyaml-encrypted hiera.
class oci::profile::rabbitmq (
  String[1] $erlang_cookie,
) {
}
