# @summary Nova as OCI places it: the API, metadata API, conductor, scheduler and VNC proxy on the
#   controllers (the API and metadata under Apache with TLS, cells set up once by the first
#   controller); nova-compute with libvirt on the computes, instances on local disk or in Ceph
#   as the compiler chose per compute.
# @param db_password The nova database password (eyaml-encrypted hiera); the API and cell0
#   databases share it.
# @param keystone_password The nova service user's password (eyaml-encrypted hiera).
# @param rabbit_password The nova RabbitMQ user's password (eyaml-encrypted hiera).
class oci::profile::nova (
  String[1] $db_password,
  String[1] $keystone_password,
  String[1] $rabbit_password,
) {
  $vip = $oci::cluster::vip
  $role = $oci::node::role
  $transport_url = oci::transport_url('nova', $rabbit_password)
  # The VNC proxy on the controllers serves TLS itself, as every backend behind HAProxy.
  $novnc_tls = $role ? {
    'controller' => { 'ssl_only' => true, 'cert' => '/etc/ssl/oci/node.pem', 'key' => '/etc/ssl/oci/node.key' },
    default      => {},
  }

  class { 'nova':
    default_transport_url => $transport_url,
    rabbit_use_ssl        => true,
    kombu_ssl_ca_certs    => '/etc/ssl/oci/ca.pem',
    my_ip                 => $oci::node::management_address,
    *                     => $novnc_tls,
  }
  # Nova calls placement and neutron as its own service user: the wrapped module's default user
  # for placement is `placement`, whose password this is not (npm run test:cloud: nova-conductor
  # got 401 and exited).
  class { 'nova::placement':
    password => $keystone_password,
    username => 'nova',
    auth_url => "https://${vip}:5000/v3",
  }
  class { 'nova::network::neutron':
    password => $keystone_password,
    username => 'nova',
    auth_url => "https://${vip}:5000/v3",
  }
  class { 'nova::glance':
    endpoint_override => "https://${vip}:9292",
  }

  if $role == 'controller' {
    include oci::profile::memcached
    $database = oci::database_url('nova', $db_password)
    class { 'nova::db':
      database_connection     => $database,
      api_database_connection => oci::database_url('nova_api', $db_password),
    }
    class { 'nova::keystone::authtoken':
      * => oci::authtoken($keystone_password),
    }
    class { 'nova::metadata':
      neutron_metadata_proxy_shared_secret => lookup('oci::profile::neutron::metadata_secret', String[1]),
    }
    class { 'nova::api':
      service_name               => 'httpd',
      nova_metadata_wsgi_enabled => true,
      sync_db                    => oci::is_first($oci::cluster::controllers),
      sync_db_api                => oci::is_first($oci::cluster::controllers),
    }
    class { 'nova::wsgi::apache_api':
      * => oci::wsgi_tls(),
    }
    class { 'nova::wsgi::apache_metadata':
      * => oci::wsgi_tls(),
    }
    include nova::conductor
    # A compute that registers is mapped to the cell by the first controller's scheduler within a
    # minute (found by npm run test:cloud: an unmapped compute fails every boot there with
    # HostMappingNotFound). One scheduler only: several would race to insert the same mapping.
    class { 'nova::scheduler':
      discover_hosts_in_cells_interval => oci::is_first($oci::cluster::controllers) ? {
        true  => 60,
        false => -1,
      },
    }
    class { 'nova::vncproxy':
      host => $oci::node::management_address,
    }
    oci::tls::reader { 'nova':
      require => Anchor['nova::install::end'],
      before  => Anchor['nova::service::begin'],
    }
    # nova-conductor and nova-scheduler exit at start when nova's keystone user cannot log in yet
    # (found by npm run test:cloud: they started 18 s before the first controller created the
    # user). They wait until it can: on the first controller once it created the user, on the
    # others once the first one has. The credentials go to curl in a root-only file, not argv.
    $auth_check = '/etc/nova/oci-auth-check.json'
    file { $auth_check:
      ensure    => file,
      owner     => 'root',
      group     => 'root',
      mode      => '0600',
      show_diff => false,
      content   => Sensitive(to_json({
        'auth' => {
          'identity' => {
            'methods'  => ['password'],
            'password' => { 'user' => { 'name' => 'nova', 'domain' => { 'name' => 'Default' }, 'password' => $keystone_password } },
          },
          'scope'    => { 'project' => { 'name' => 'services', 'domain' => { 'name' => 'Default' } } },
        },
      })),
      require   => Anchor['nova::install::end'],
    }
    oci::wait_until { 'nova authenticates':
      check   => "/usr/bin/curl -sf -o /dev/null --cacert /etc/ssl/oci/ca.pem -H 'Content-Type: application/json' -d @${auth_check} https://${vip}:5000/v3/auth/tokens",
      tries   => 120,
      require => [File[$auth_check], Exec['oci: keystone answers']],
      before  => [Service['nova-conductor'], Service['nova-scheduler']],
    }
    if oci::is_first($oci::cluster::controllers) {
      Class['nova::keystone::auth'] -> Exec['oci: nova authenticates']
      # The cells take nova.conf's database and transport (`default`), which nova reports back as
      # such: given explicitly, each run "corrected" them (found by npm run test:cloud's second run).
      include nova::cell_v2::simple_setup
      class { 'nova::keystone::auth':
        password => $keystone_password,
        *        => oci::endpoints(8774, '/v2.1'),
      }
    }
  }

  if $role == 'compute' {
    $rbd_instances = $oci::node::instance_storage == 'ceph'
    $images_type = $rbd_instances ? {
      true  => 'rbd',
      false => 'qcow2',
    }
    class { 'nova::compute':
      vncserver_proxyclient_address => $oci::node::management_address,
      vncproxy_host                 => $oci::cluster::public_endpoint,
      vncproxy_protocol             => 'https',
    }
    class { 'nova::compute::libvirt':
      vncserver_listen  => $oci::node::management_address,
      migration_support => true,
      images_type       => $images_type,
      virt_type         => $oci::cluster::virt_type,
    }
    # With Ceph in the cluster every compute holds the libvirt secret, to attach cinder's rbd
    # volumes; instances themselves live in the vms pool only where the compiler chose ceph.
    unless empty($oci::cluster::ceph_osds) {
      include oci::profile::ceph
      class { 'nova::compute::rbd':
        libvirt_rbd_user        => 'openstack',
        libvirt_rbd_secret_uuid => $oci::profile::ceph::fsid,
        libvirt_rbd_secret_key  => $oci::profile::ceph::openstack_key,
        libvirt_images_rbd_pool => 'vms',
        ephemeral_storage       => $rbd_instances,
        manage_ceph_client      => false,
      }
    }
  }
}
