# @summary Cinder as OCI places it: API (Apache, TLS) and scheduler on the controllers; cinder-volume
#   on the volume nodes with LVM, or on the computes with Ceph (rbd), as the compiler chose the
#   backend. The first controller creates the schema and registers cinder in keystone.
# @param db_password The cinder database password (eyaml-encrypted hiera).
# @param keystone_password The cinder service user's password (eyaml-encrypted hiera).
# @param rabbit_password The cinder RabbitMQ user's password (eyaml-encrypted hiera).
class oci::profile::cinder (
  String[1] $db_password,
  String[1] $keystone_password,
  String[1] $rabbit_password,
) {
  $backend = $oci::cluster::cinder_backend
  $role = $oci::node::role
  $api = $role == 'controller'
  $volume = ($role == 'volume' and $backend == 'lvm') or ($role == 'compute' and $backend == 'ceph')
  $first = oci::is_first($oci::cluster::controllers)

  if $api or $volume {
    class { 'cinder::db':
      database_connection => oci::database_url('cinder', $db_password),
    }
    class { 'cinder':
      default_transport_url => oci::transport_url('cinder', $rabbit_password),
      rabbit_use_ssl        => true,
      kombu_ssl_ca_certs    => '/etc/ssl/oci/ca.pem',
    }
  }
  if $api {
    include oci::profile::memcached
    class { 'cinder::keystone::authtoken':
      * => oci::authtoken($keystone_password),
    }
    class { 'cinder::api':
      service_name => 'httpd',
      sync_db      => $first,
    }
    class { 'cinder::wsgi::apache':
      * => oci::wsgi_tls(),
    }
    include cinder::scheduler
    if $first {
      $endpoints = oci::endpoints(8776, '/v3/%(tenant_id)s')
      class { 'cinder::keystone::auth':
        password        => $keystone_password,
        public_url_v3   => $endpoints['public_url'],
        internal_url_v3 => $endpoints['internal_url'],
        admin_url_v3    => $endpoints['admin_url'],
      }
    }
  }
  if $volume {
    include cinder::volume
    class { 'cinder::backends':
      enabled_backends => [$backend],
    }
    if $backend == 'lvm' {
      # The volume group on the disks the site gives the volume node. vgcreate never wipes a disk
      # that holds a signature (it would ask, and Puppet answers nothing): data is not destroyed.
      $disks = pick($oci::node::volume_disks, []).map |String $d| { "/dev/${d}" }
      package { 'lvm2':
        ensure => installed,
      }
      unless empty($disks) {
        exec { 'oci cinder-volumes':
          command => "vgcreate cinder-volumes ${join($disks, ' ')}",
          unless  => 'vgs cinder-volumes',
          path    => ['/usr/sbin', '/usr/bin', '/sbin', '/bin'],
          require => Package['lvm2'],
          before  => Cinder::Backend::Iscsi['lvm'],
        }
      }
      cinder::backend::iscsi { 'lvm':
        target_ip_address => $oci::node::management_address,
        volume_group      => 'cinder-volumes',
      }
    } else {
      include oci::profile::ceph
      cinder::backend::rbd { 'ceph':
        rbd_pool        => 'volumes',
        rbd_user        => 'openstack',
        rbd_secret_uuid => $oci::profile::ceph::fsid,
      }
    }
  }
}
