# @summary Keystone on a controller: its database on the Galera VIP, served by Apache with the node's
#   certificate, the same fernet and credential keys on every controller (a token issued by one is
#   valid on all), bootstrapped once by the first controller with the admin account and the
#   endpoints on the VIP and the public name.
# @param admin_password The admin user's password (eyaml-encrypted hiera).
# @param db_password The keystone database password (eyaml-encrypted hiera).
# @param fernet_key_primary Fernet key 1, with which tokens are issued (eyaml-encrypted hiera).
# @param fernet_key_staged Fernet key 0, the staged key (eyaml-encrypted hiera).
# @param credential_key_primary Credential key 1 (eyaml-encrypted hiera).
# @param credential_key_staged Credential key 0 (eyaml-encrypted hiera).
class oci::profile::keystone (
  String[1] $admin_password,
  String[1] $db_password,
  String[44, 44] $fernet_key_primary,
  String[44, 44] $fernet_key_staged,
  String[44, 44] $credential_key_primary,
  String[44, 44] $credential_key_staged,
) {
  $first = oci::is_first($oci::cluster::controllers)
  $endpoints = oci::endpoints(5000)

  class { 'keystone::db':
    database_connection => oci::database_url('keystone', $db_password),
  }
  class { 'keystone':
    public_endpoint     => $endpoints['public_url'],
    service_name        => 'httpd',
    sync_db             => $first,
    fernet_keys         => {
      '/etc/keystone/fernet-keys/0' => { 'content' => $fernet_key_staged },
      '/etc/keystone/fernet-keys/1' => { 'content' => $fernet_key_primary },
    },
    fernet_replace_keys => true,
    credential_keys     => {
      '/etc/keystone/credential-keys/0' => { 'content' => $credential_key_staged },
      '/etc/keystone/credential-keys/1' => { 'content' => $credential_key_primary },
    },
  }
  class { 'keystone::wsgi::apache':
    * => oci::wsgi_tls(),
  }
  class { 'keystone::bootstrap':
    password  => $admin_password,
    bootstrap => $first,
    *         => $endpoints,
  }
  # The admin's credentials for the operator, root-only, as OCI gives them. The wrapped keystone
  # providers also read OS_AUTH_URL here to check each service user's password: without it they
  # found no auth URL (their own lookup of it returns nothing), took every password for wrong and
  # set it again on every run, revoking the users' tokens (found by npm run test:cloud's second run).
  file { '/root/openrc':
    ensure    => file,
    owner     => 'root',
    group     => 'root',
    mode      => '0600',
    show_diff => false,
    content   => Sensitive(join([
      "export OS_AUTH_URL=https://${oci::cluster::vip}:5000/v3",
      'export OS_IDENTITY_API_VERSION=3',
      'export OS_USERNAME=admin',
      "export OS_PASSWORD=${admin_password}",
      'export OS_PROJECT_NAME=admin',
      'export OS_USER_DOMAIN_NAME=Default',
      'export OS_PROJECT_DOMAIN_NAME=Default',
      'export OS_CACERT=/etc/ssl/oci/ca.pem',
      '',
    ], "\n")),
  }
  File['/root/openrc'] -> Keystone_user <| |>
  # nova-conductor and nova-scheduler ask keystone for placement's endpoint as they start and exit
  # when it does not answer: they wait until keystone answers through the VIP (found by npm run
  # test:cloud: started while Apache was still stopped, they failed the first run).
  oci::wait_until { 'keystone answers':
    check   => "/usr/bin/curl -sf -o /dev/null --cacert /etc/ssl/oci/ca.pem https://${oci::cluster::vip}:5000/v3",
    require => Service['httpd'],
  }
  Exec['oci: keystone answers'] -> Service <| title == 'nova-conductor' or title == 'nova-scheduler' |>
}
