# @summary Glance on a controller: its database on the VIP, keystone authentication, TLS by the
#   node's HAProxy (glance-api has none), and the image store the compiler chose for the cluster
#   (ceph > swift > file, as OCI does). The first controller creates the schema and registers glance in keystone.
# @param db_password The glance database password (eyaml-encrypted hiera).
# @param keystone_password The glance service user's password (eyaml-encrypted hiera).
# @param rabbit_password The glance RabbitMQ user's password, for notifications (eyaml-encrypted hiera).
class oci::profile::glance (
  String[1] $db_password,
  String[1] $keystone_password,
  String[1] $rabbit_password,
) {
  include oci::profile::memcached
  $vip = $oci::cluster::vip
  $backend = $oci::cluster::glance_backend
  $store = { 'ceph' => 'rbd', 'swift' => 'swift', 'file' => 'file' }[$backend]
  $first = oci::is_first($oci::cluster::controllers)

  class { 'glance::api::db':
    database_connection => oci::database_url('glance', $db_password),
  }
  class { 'glance::api::authtoken':
    * => oci::authtoken($keystone_password),
  }
  class { 'glance::api':
    # Plain HTTP on localhost, behind the node's HAProxy that terminates TLS (oci::profile::haproxy).
    bind_host        => '127.0.0.1',
    public_endpoint  => "https://${oci::cluster::public_endpoint}:9292",
    enabled_backends => ["${backend}:${store}"],
    default_backend  => $backend,
    sync_db          => $first,
  }
  class { 'glance::notify::rabbitmq':
    default_transport_url => oci::transport_url('glance', $rabbit_password),
    rabbit_use_ssl        => true,
    kombu_ssl_ca_certs    => '/etc/ssl/oci/ca.pem',
  }
  case $backend {
    'ceph': {
      glance::backend::multistore::rbd { 'ceph':
        rbd_store_user => 'openstack',
        rbd_store_pool => 'images',
      }
    }
    'swift': {
      glance::backend::multistore::swift { 'swift':
        swift_store_user                    => 'services:glance',
        swift_store_key                     => $keystone_password,
        swift_store_auth_address            => "https://${vip}:5000/v3/",
        swift_store_create_container_on_put => true,
      }
    }
    default: {
      # Images on the first controller's disk; HAProxy sends glance only there (see oci::profile::haproxy).
      # The other controllers keep a copy by rsync, ready if the first one is lost.
      glance::backend::multistore::file { 'file': }
      $first_controller = $oci::cluster::controllers[0]['address']
      if $first {
        class { 'rsync::server':
          use_xinetd => false,
          address    => $oci::node::management_address,
          use_chroot => 'no',
        }
        rsync::server::module { 'glance_images':
          path        => '/var/lib/glance/images',
          uid         => 'glance',
          gid         => 'glance',
          read_only   => true,
          hosts_allow => $oci::cluster::controllers[1, -1].map |Hash $host| { $host['address'] },
          hosts_deny  => ['*'],
        }
      } else {
        file { '/etc/cron.d/oci-glance-images':
          ensure  => file,
          mode    => '0644',
          content => "*/5 * * * * glance /usr/bin/rsync -a --delete rsync://${first_controller}/glance_images/ /var/lib/glance/images/\n",
        }
      }
    }
  }
  if $first {
    class { 'glance::keystone::auth':
      password => $keystone_password,
      *        => oci::endpoints(9292),
    }
  }
}
