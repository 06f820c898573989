# @summary Barbican (secrets) on the controllers: the API under Apache with TLS, secrets stored
#   in its database (simple_crypto); the first controller creates the schema and registers it.
# @param db_password The barbican database password (eyaml-encrypted hiera).
# @param keystone_password The barbican service user's password (eyaml-encrypted hiera).
# @param rabbit_password The barbican RabbitMQ user's password (eyaml-encrypted hiera).
# @param kek The simple_crypto key-encryption key: 32 bytes, base64 (eyaml-encrypted hiera).
class oci::profile::barbican (
  String[1] $db_password,
  String[1] $keystone_password,
  String[1] $rabbit_password,
  String[44, 44] $kek,
) {
  include oci::profile::memcached
  $first = oci::is_first($oci::cluster::controllers)

  class { 'barbican::db':
    database_connection => oci::database_url('barbican', $db_password),
  }
  class { 'barbican::keystone::authtoken':
    * => oci::authtoken($keystone_password),
  }
  class { 'barbican::api':
    host_href                   => "https://${oci::cluster::public_endpoint}:9311",
    default_transport_url       => oci::transport_url('barbican', $rabbit_password),
    rabbit_use_ssl              => true,
    kombu_ssl_ca_certs          => '/etc/ssl/oci/ca.pem',
    enabled_secretstore_plugins => ['store_crypto'],
    enabled_crypto_plugins      => ['simple_crypto'],
    service_name                => 'httpd',
    sync_db                     => $first,
    db_auto_create              => false,
  }
  class { 'barbican::plugins::simple_crypto':
    simple_crypto_plugin_kek => $kek,
  }
  class { 'barbican::wsgi::apache':
    * => oci::wsgi_tls(),
  }
  if $first {
    class { 'barbican::keystone::auth':
      password => $keystone_password,
      *        => oci::endpoints(9311),
    }
  }
}
