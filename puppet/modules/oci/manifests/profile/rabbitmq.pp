# @summary RabbitMQ clustered across the cluster's messaging hosts (the controllers when it has no
#   messaging machines), AMQP over TLS only (port 5671) with the node certificate.
# @param erlang_cookie The shared Erlang cookie that lets the nodes cluster (eyaml-encrypted hiera).
class oci::profile::rabbitmq (
  String[1] $erlang_cookie,
) {
  class { 'rabbitmq':
    config_cluster           => true,
    cluster_nodes            => $oci::cluster::messaging_hosts.map |Hash $host| { $host['hostname'] },
    cluster_node_type        => 'disc',
    erlang_cookie            => $erlang_cookie,
    wipe_db_on_cookie_change => true,
    node_ip_address          => $oci::node::management_address,
    ssl                      => true,
    ssl_only                 => true,
    ssl_port                 => 5671,
    ssl_cacert               => '/etc/ssl/oci/ca.pem',
    ssl_cert                 => '/etc/ssl/oci/node.pem',
    ssl_key                  => '/etc/ssl/oci/node.key',
    ssl_verify               => 'verify_peer',
    delete_guest_user        => true,
  }
  # RabbitMQ's classic peer discovery boots a node standalone when no listed peer answers: two
  # nodes starting together for the first time could each form a cluster of their own. A joiner
  # waits for the first messaging host once, before its first start; later starts find the
  # cluster in their own database.
  unless oci::is_first($oci::cluster::messaging_hosts) {
    oci::wait_until { 'the first RabbitMQ node answers':
      check   => "/bin/bash -c '</dev/tcp/${oci::cluster::messaging_hosts[0]['address']}/5671'",
      creates => "/var/lib/rabbitmq/mnesia/rabbit@${facts['networking']['hostname']}",
      tries   => 180,
      require => Class['rabbitmq::config'],
      before  => Class['rabbitmq::service'],
    }
  }
  oci::tls::reader { 'rabbitmq':
    require => Class['rabbitmq::install'],
    before  => Class['rabbitmq::service'],
  }
  # Users are cluster-wide: the first messaging host creates one per service the compiler gave a
  # rabbit_password, each with its own password and rights on the default vhost only.
  if oci::is_first($oci::cluster::messaging_hosts) {
    $oci::cluster::services.each |String $service| {
      $password = lookup("oci::profile::${service}::rabbit_password", Optional[String[1]], 'first', undef)
      if $password {
        rabbitmq_user { $service:
          password => $password,
        }
        rabbitmq_user_permissions { "${service}@/":
          configure_permission => '.*',
          read_permission      => '.*',
          write_permission     => '.*',
        }
      }
    }
  }
}
