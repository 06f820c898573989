# @summary MariaDB with Galera replication across the cluster's SQL hosts (the controllers when it
#   has no sql machines), bound to the management address, TLS to clients with the node certificate.
# @param root_password The MariaDB root password (eyaml-encrypted hiera).
# @param sst_password Password of the state-transfer user (eyaml-encrypted hiera).
class oci::profile::galera (
  String[1] $root_password,
  String[1] $sst_password,
) {
  $members = $oci::cluster::sql_hosts.map |Hash $host| { $host['address'] }
  class { 'mysql::server':
    package_name     => 'mariadb-server',
    service_name     => 'mariadb',
    root_password    => $root_password,
    override_options => {
      'mysqld' => {
        'bind-address'             => $oci::node::management_address,
        'binlog_format'            => 'ROW',
        'default_storage_engine'   => 'InnoDB',
        'innodb_autoinc_lock_mode' => '2',
        'wsrep_on'                 => 'ON',
        'wsrep_provider'           => '/usr/lib/galera/libgalera_smm.so',
        'wsrep_cluster_name'       => $oci::cluster::cluster_name,
        'wsrep_cluster_address'    => "gcomm://${join($members, ',')}",
        'wsrep_node_address'       => $oci::node::management_address,
        'wsrep_sst_method'         => 'mariabackup',
        'wsrep_sst_auth'           => "mariabackup:${sst_password}",
        'ssl-ca'                   => '/etc/ssl/oci/ca.pem',
        'ssl-cert'                 => '/etc/ssl/oci/node.pem',
        'ssl-key'                  => '/etc/ssl/oci/node.key',
      },
    },
  }
  package { ['galera-4', 'mariadb-backup']:
    ensure => installed,
    before => Class['mysql::server'],
  }
}
