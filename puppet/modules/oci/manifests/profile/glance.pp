# @summary Glance on a controller: its database on the VIP, keystone authentication, and the image
#   store the compiler chose for the cluster (ceph > swift > file, as OCI does).
# @param db_password The glance database password (eyaml-encrypted hiera).
# @param keystone_password The glance service user's password (eyaml-encrypted hiera).
# @param rabbit_password The glance RabbitMQ user's password, for notifications (eyaml-encrypted hiera).
class oci::profile::glance (
  String[1] $db_password,
  String[1] $keystone_password,
  String[1] $rabbit_password,
) {
  $vip = $oci::cluster::vip
  $backend = $oci::cluster::glance_backend
  $store = { 'ceph' => 'rbd', 'swift' => 'swift', 'file' => 'file' }[$backend]

  class { 'glance::api::db':
    database_connection => "mysql+pymysql://glance:${db_password}@${vip}/glance",
  }
  class { 'glance::api::authtoken':
    password             => $keystone_password,
    auth_url             => "https://${vip}:5000",
    www_authenticate_uri => "https://${oci::cluster::public_endpoint}:5000",
  }
  class { 'glance::api':
    bind_host        => $oci::node::management_address,
    public_endpoint  => "https://${oci::cluster::public_endpoint}:9292",
    cert_file        => '/etc/ssl/oci/node.pem',
    key_file         => '/etc/ssl/oci/node.key',
    enabled_backends => ["${backend}:${store}"],
    default_backend  => $backend,
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
      glance::backend::multistore::file { 'file': }
    }
  }
}
