# @summary Placement (nova's resource inventory) on the controllers, under Apache with TLS; the first
#   controller creates its schema and registers it in keystone.
# @param db_password The placement database password (eyaml-encrypted hiera).
# @param keystone_password The placement service user's password (eyaml-encrypted hiera).
class oci::profile::placement (
  String[1] $db_password,
  String[1] $keystone_password,
) {
  include oci::profile::memcached
  $first = oci::is_first($oci::cluster::controllers)
  class { 'placement::db':
    database_connection => oci::database_url('placement', $db_password),
  }
  class { 'placement':
    sync_db => $first,
  }
  class { 'placement::keystone::authtoken':
    * => oci::authtoken($keystone_password),
  }
  # Under Apache only: Debian's own placement-api service, which the wrapped module's default
  # keeps running, is stopped (found by npm run test:cloud: each run found it dead and started it).
  class { 'placement::api':
    api_service_name => 'httpd',
  }
  class { 'placement::wsgi::apache':
    * => oci::wsgi_tls(),
  }
  if $first {
    class { 'placement::keystone::auth':
      password => $keystone_password,
      *        => oci::endpoints(8778),
    }
  }
}
