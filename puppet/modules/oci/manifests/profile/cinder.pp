# @summary Cinder as OCI places it: API and scheduler on the controllers; cinder-volume on the
#   volume nodes with LVM, or on the computes with Ceph (rbd), as the compiler chose the backend.
# @param db_password The cinder database password (eyaml-encrypted hiera).
# @param keystone_password The cinder service user's password (eyaml-encrypted hiera).
# @param rabbit_password The cinder RabbitMQ user's password (eyaml-encrypted hiera).
class oci::profile::cinder (
  String[1] $db_password,
  String[1] $keystone_password,
  String[1] $rabbit_password,
) {
  $vip = $oci::cluster::vip
  $backend = $oci::cluster::cinder_backend
  $role = $oci::node::role
  $api = $role == 'controller'
  $volume = ($role == 'volume' and $backend == 'lvm') or ($role == 'compute' and $backend == 'ceph')

  if $api or $volume {
    $brokers = $oci::cluster::messaging_hosts.map |Hash $host| { "cinder:${rabbit_password}@${host['address']}:5671" }
    class { 'cinder::db':
      database_connection => "mysql+pymysql://cinder:${db_password}@${vip}/cinder",
    }
    class { 'cinder':
      default_transport_url => "rabbit://${join($brokers, ',')}/",
      rabbit_use_ssl        => true,
    }
  }
  if $api {
    class { 'cinder::keystone::authtoken':
      password             => $keystone_password,
      auth_url             => "https://${vip}:5000",
      www_authenticate_uri => "https://${oci::cluster::public_endpoint}:5000",
    }
    class { 'cinder::api':
      bind_host => $oci::node::management_address,
    }
    include cinder::scheduler
  }
  if $volume {
    include cinder::volume
    class { 'cinder::backends':
      enabled_backends => [$backend],
    }
    if $backend == 'lvm' {
      cinder::backend::iscsi { 'lvm':
        target_ip_address => $oci::node::management_address,
        volume_group      => 'cinder-volumes',
      }
    } else {
      cinder::backend::rbd { 'ceph':
        rbd_pool => 'volumes',
        rbd_user => 'openstack',
      }
    }
  }
}
