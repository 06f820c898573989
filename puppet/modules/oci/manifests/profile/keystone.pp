# @summary Keystone on a controller: its database on the Galera VIP, served by Apache with the node's
#   certificate, bootstrapped with the admin account and the endpoints on the VIP and the public name.
# @param admin_password The admin user's password (eyaml-encrypted hiera).
# @param db_password The keystone database password (eyaml-encrypted hiera).
class oci::profile::keystone (
  String[1] $admin_password,
  String[1] $db_password,
) {
  $public_url = "https://${oci::cluster::public_endpoint}:5000"
  $internal_url = "https://${oci::cluster::vip}:5000"

  class { 'keystone::db':
    database_connection => "mysql+pymysql://keystone:${db_password}@${oci::cluster::vip}/keystone",
  }
  class { 'keystone':
    public_endpoint => $public_url,
    service_name    => 'httpd',
  }
  class { 'keystone::wsgi::apache':
    bind_host => $oci::node::management_address,
    ssl       => true,
    ssl_cert  => '/etc/ssl/oci/node.pem',
    ssl_key   => '/etc/ssl/oci/node.key',
  }
  class { 'keystone::bootstrap':
    password     => $admin_password,
    public_url   => $public_url,
    internal_url => $internal_url,
    admin_url    => $internal_url,
  }
}
