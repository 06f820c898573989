# @summary Aodh (alarms) on the controllers: the API under Apache with TLS, the evaluator, notifier
#   and listener; the first controller creates the schema and registers aodh in keystone.
# @param db_password The aodh database password (eyaml-encrypted hiera).
# @param keystone_password The aodh service user's password (eyaml-encrypted hiera).
# @param rabbit_password The aodh RabbitMQ user's password (eyaml-encrypted hiera).
class oci::profile::aodh (
  String[1] $db_password,
  String[1] $keystone_password,
  String[1] $rabbit_password,
) {
  include oci::profile::memcached
  $first = oci::is_first($oci::cluster::controllers)

  # Before class aodh, which would include it with its default.
  class { 'aodh::db':
    database_connection => oci::database_url('aodh', $db_password),
  }
  class { 'aodh':
    default_transport_url => oci::transport_url('aodh', $rabbit_password),
    rabbit_use_ssl        => true,
    kombu_ssl_ca_certs    => '/etc/ssl/oci/ca.pem',
  }
  class { 'aodh::keystone::authtoken':
    * => oci::authtoken($keystone_password),
  }
  class { 'aodh::api':
    service_name => 'httpd',
    sync_db      => $first,
  }
  class { 'aodh::wsgi::apache':
    * => oci::wsgi_tls(),
  }
  class { 'aodh::service_credentials':
    password => $keystone_password,
    auth_url => "https://${oci::cluster::vip}:5000/v3",
  }
  include aodh::evaluator
  include aodh::notifier
  include aodh::listener
  if $first {
    class { 'aodh::keystone::auth':
      password => $keystone_password,
      *        => oci::endpoints(8042),
    }
  }
}
