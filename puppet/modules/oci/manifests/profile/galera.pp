# @summary MariaDB with Galera replication across the cluster's SQL hosts (the controllers when it
#   has no sql machines), bound to the management address, TLS to clients with the node certificate;
#   the services' databases created once, by the first SQL host.
# @param root_password The MariaDB root password (eyaml-encrypted hiera).
class oci::profile::galera (
  String[1] $root_password,
) {
  $members = $oci::cluster::sql_hosts.map |Hash $host| { $host['address'] }
  # A cluster of one SQL host forms its own primary component on every start (an empty gcomm://);
  # with more, the first host bootstraps a new cluster once and the others join it (found by npm run
  # test:cloud: a lone member listing itself waits for a primary view that never comes).
  $cluster_address = length($members) ? {
    1       => 'gcomm://',
    default => "gcomm://${join($members, ',')}",
  }
  # root@localhost is the cluster's, like every account: the first member sets its password, and a
  # joiner receives it with the state transfer. A joiner only writes root's .my.cnf; setting the
  # password there failed, its socket login already refused (found by npm run test:cloud-ha).
  class { 'mysql::server':
    package_name     => 'mariadb-server',
    service_name     => 'mariadb',
    root_password    => $root_password,
    create_root_user => oci::is_first($oci::cluster::sql_hosts),
    override_options => {
      'mysqld' => {
        'bind-address'             => $oci::node::management_address,
        'binlog_format'            => 'ROW',
        'default_storage_engine'   => 'InnoDB',
        'innodb_autoinc_lock_mode' => '2',
        'wsrep_on'                 => 'ON',
        'wsrep_provider'           => '/usr/lib/galera/libgalera_smm.so',
        'wsrep_cluster_name'       => $oci::cluster::cluster_name,
        'wsrep_cluster_address'    => $cluster_address,
        'wsrep_node_address'       => $oci::node::management_address,
        'wsrep_sst_method'         => 'mariabackup',
        # The donor's mariabackup logs in over the socket as the OS user mariadbd runs as: MariaDB
        # creates mysql@localhost with unix_socket and every privilege. No SST password to keep, and
        # none that could be missing (nothing created the user the earlier mariabackup:password named).
        'wsrep_sst_auth'           => 'mysql:',
        'ssl-ca'                   => '/etc/ssl/oci/ca.pem',
        'ssl-cert'                 => '/etc/ssl/oci/node.pem',
        'ssl-key'                  => '/etc/ssl/oci/node.key',
      },
    },
  }
  oci::tls::reader { 'mysql':
    require => Class['mysql::server::install'],
    before  => Class['mysql::server::service'],
  }
  # Debian's mariadb-server enables socket activation on *:3306 (found by npm run test:cloud): it
  # takes the port Galera's recovery start binds, and the VIP's frontend.
  service { 'mariadb.socket':
    ensure  => stopped,
    enable  => false,
    require => Class['mysql::server::install'],
    before  => Class['mysql::server::service'],
  }
  # socat carries mariabackup's stream from the donor to the joiner.
  package { ['galera-4', 'mariadb-backup', 'socat']:
    ensure => installed,
    before => Class['mysql::server'],
  }

  # Once, when the cluster is new: a whole-cluster restart later is an operator's decision
  # (galera_new_cluster on the most advanced member, as Galera's grastate.dat tells).
  if oci::is_first($oci::cluster::sql_hosts) and length($members) > 1 {
    exec { 'oci: bootstrap the Galera cluster':
      command => '/usr/bin/galera_new_cluster && /usr/bin/touch /var/lib/mysql/oci-galera-bootstrapped',
      creates => '/var/lib/mysql/oci-galera-bootstrapped',
      require => Class['mysql::server::config'],
      before  => Class['mysql::server::service'],
    }
  }

  # A joiner's first start needs a primary component to join: it waits for the first member's
  # Galera port, once (a member that has joined keeps grastate.dat and rejoins by itself, whoever is up).
  unless oci::is_first($oci::cluster::sql_hosts) {
    oci::wait_until { 'the first Galera member answers':
      check   => "/bin/bash -c '</dev/tcp/${members[0]}/4567'",
      creates => '/var/lib/mysql/grastate.dat',
      tries   => 180,
      require => Class['mysql::server::config'],
      before  => Class['mysql::server::service'],
    }
  }

  # The first SQL host creates each service's database and user, for every service the compiler
  # gave a db_password: that keeps which services have a database decided in one place. The
  # charset is named as MariaDB 10.11 reports it (utf8 is utf8mb3 there): with the wrapped
  # modules' `utf8`, every run "corrected" every database and re-ran every schema sync (found by
  # npm run test:cloud's second run).
  $charset = { 'charset' => 'utf8mb3', 'collate' => 'utf8mb3_general_ci' }
  if oci::is_first($oci::cluster::sql_hosts) {
    $cluster = $oci::cluster::controllers + $oci::cluster::computes + $oci::cluster::network_nodes + $oci::cluster::volume_nodes
    $clients = unique($cluster.map |Hash $host| { $host['address'] } + [$oci::cluster::vip])
    ($oci::cluster::services + ['placement']).each |String $service| {
      $password = lookup("oci::profile::${service}::db_password", Optional[String[1]], 'first', undef)
      if $password {
        class { "${service}::db::mysql":
          password      => $password,
          allowed_hosts => $clients,
          require       => Class['mysql::server'],
          *             => $charset,
        }
        if $service == 'nova' {
          class { 'nova::db::mysql_api':
            password      => $password,
            allowed_hosts => $clients,
            require       => Class['mysql::server'],
            *             => $charset,
          }
        }
      }
    }
  }
}
