# @summary Panko (event storage) on the controllers: the API under Apache with TLS; the first
#   controller creates the schema and registers panko in keystone.
# @param db_password The panko database password (eyaml-encrypted hiera).
# @param keystone_password The panko service user's password (eyaml-encrypted hiera).
class oci::profile::panko (
  String[1] $db_password,
  String[1] $keystone_password,
) {
  include oci::profile::memcached
  $first = oci::is_first($oci::cluster::controllers)

  include panko
  class { 'panko::db':
    database_connection => oci::database_url('panko', $db_password),
  }
  class { 'panko::keystone::authtoken':
    * => oci::authtoken($keystone_password),
  }
  class { 'panko::api':
    service_name => 'httpd',
    sync_db      => $first,
  }
  class { 'panko::wsgi::apache':
    * => oci::wsgi_tls(),
  }
  if $first {
    class { 'panko::keystone::auth':
      password => $keystone_password,
      *        => oci::endpoints(8977),
    }
  }
}
