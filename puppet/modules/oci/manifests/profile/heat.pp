# @summary Heat on the controllers: the orchestration and CloudFormation APIs under Apache with TLS,
#   and heat-engine with its stack domain; the first controller creates the schema, the domain and
#   the keystone registrations.
# @param auth_encryption_key The key heat encrypts stored credentials with (32 characters).
# @param db_password The heat database password (eyaml-encrypted hiera).
# @param domain_password The stack domain admin's password (eyaml-encrypted hiera).
# @param keystone_password The heat service user's password (eyaml-encrypted hiera).
# @param rabbit_password The heat RabbitMQ user's password (eyaml-encrypted hiera).
class oci::profile::heat (
  String[32, 32] $auth_encryption_key,
  String[1] $db_password,
  String[1] $domain_password,
  String[1] $keystone_password,
  String[1] $rabbit_password,
) {
  include oci::profile::memcached
  $first = oci::is_first($oci::cluster::controllers)
  $public = "https://${oci::cluster::public_endpoint}"

  # Before class heat, which would include them with their defaults.
  class { 'heat::db':
    database_connection => oci::database_url('heat', $db_password),
    sync_db             => $first,
  }
  class { 'heat::keystone::authtoken':
    * => oci::authtoken($keystone_password),
  }
  class { 'heat':
    default_transport_url => oci::transport_url('heat', $rabbit_password),
    rabbit_use_ssl        => true,
    kombu_ssl_ca_certs    => '/etc/ssl/oci/ca.pem',
  }
  class { 'heat::api':
    service_name => 'httpd',
  }
  class { 'heat::wsgi::apache_api':
    * => oci::wsgi_tls(),
  }
  class { 'heat::api_cfn':
    service_name => 'httpd',
  }
  class { 'heat::wsgi::apache_api_cfn':
    * => oci::wsgi_tls(),
  }
  class { 'heat::engine':
    auth_encryption_key           => $auth_encryption_key,
    heat_metadata_server_url      => "${public}:8000",
    heat_waitcondition_server_url => "${public}:8000/v1/waitcondition",
  }
  class { 'heat::keystone::domain':
    domain_password => $domain_password,
    manage_domain   => $first,
    manage_user     => $first,
    manage_role     => $first,
  }
  if $first {
    class { 'heat::keystone::auth':
      password => $keystone_password,
      *        => oci::endpoints(8004, '/v1/%(tenant_id)s'),
    }
    class { 'heat::keystone::auth_cfn':
      password => $keystone_password,
      *        => oci::endpoints(8000, '/v1'),
    }
  }
}
