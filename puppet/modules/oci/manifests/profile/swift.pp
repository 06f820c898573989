# @summary Swift as OCI places it: the proxies behind HAProxy (TLS, keystone authentication,
#   memcached on the proxies); account, container and object servers on every store disk; rings
#   built by the first proxy from the regions, zones and weights the compiler computed, and
#   fetched by rsync from it by every other swift node. The first controller registers swift.
# @param hash_path_prefix From the cluster's eyaml-encrypted hiera.
# @param hash_path_suffix From the cluster's eyaml-encrypted hiera.
# @param keystone_password The swift service user's password (eyaml-encrypted hiera).
class oci::profile::swift (
  String[1] $hash_path_prefix,
  String[1] $hash_path_suffix,
  String[1] $keystone_password,
) {
  $role = $oci::node::role
  # The swiftproxy machines, or the controllers where the cluster has none (the compiler decides).
  $proxies = $oci::cluster::swift_proxies
  $is_proxy = oci::is_member($proxies)
  $ring_server = oci::is_first($proxies)
  # A proxy placed in a region and zone reads from its own zone, then its region, first, and
  # writes to its region first: a two-datacenter cluster keeps its traffic local.
  $place = $oci::node::swift
  $affinity = ($is_proxy and $place) ? {
    true    => {
      'read_affinity'  => "r${place['region']}z${place['zone']}=100, r${place['region']}=200",
      'write_affinity' => "r${place['region']}",
    },
    default => {},
  }

  if $role == 'controller' and oci::is_first($oci::cluster::controllers) {
    class { 'swift::keystone::auth':
      password     => $keystone_password,
      public_url   => "https://${oci::cluster::public_endpoint}:8080/v1/AUTH_%(tenant_id)s",
      internal_url => "https://${oci::cluster::vip}:8080/v1/AUTH_%(tenant_id)s",
      admin_url    => "https://${oci::cluster::vip}:8080",
    }
  }

  if $is_proxy or $role == 'swiftstore' {
    class { 'swift':
      swift_hash_path_prefix => $hash_path_prefix,
      swift_hash_path_suffix => $hash_path_suffix,
    }
    unless $ring_server {
      swift::ringsync { ['account', 'container', 'object']:
        ring_server => $proxies[0]['address'],
      }
    }
  }

  if $is_proxy {
    include oci::profile::memcached
    class { 'swift::proxy':
      proxy_local_net_ip => $oci::node::management_address,
      port               => '8080',
      pipeline           => ['catch_errors', 'healthcheck', 'cache', 'authtoken', 'keystone', 'proxy-server'],
      account_autocreate => true,
      *                  => $affinity,
    }
    # The proxy serves TLS itself: HAProxy verifies it against the site CA.
    oci::tls::reader { 'swift':
      require => Anchor['swift::install::end'],
      before  => Anchor['swift::service::begin'],
    }
    swift_proxy_config {
      'DEFAULT/cert_file': value => '/etc/ssl/oci/node.pem';
      'DEFAULT/key_file':  value => '/etc/ssl/oci/node.key';
    }
    include swift::proxy::catch_errors
    include swift::proxy::healthcheck
    class { 'swift::proxy::cache':
      memcache_servers => $proxies.map |Hash $host| { "${host['address']}:11211" },
    }
    class { 'swift::proxy::authtoken':
      password             => $keystone_password,
      auth_url             => "https://${oci::cluster::vip}:5000",
      www_authenticate_uri => "https://${oci::cluster::public_endpoint}:5000",
    }
    include swift::proxy::keystone

    if $ring_server {
      class { 'swift::ringbuilder':
        part_power     => $oci::cluster::swift_part_power,
        replicas       => $oci::cluster::swift_replicas,
        min_part_hours => 1,
      }
      $oci::cluster::swift_stores.each |Hash $store| {
        $store['disks'].each |String $disk| {
          $placement = { 'region' => $store['region'], 'zone' => $store['zone'], 'weight' => $store['weight'] }
          ring_object_device { "${store['address']}:6000/${disk}":
            * => $placement,
          }
          ring_container_device { "${store['address']}:6001/${disk}":
            * => $placement,
          }
          ring_account_device { "${store['address']}:6002/${disk}":
            * => $placement,
          }
        }
      }
      class { 'swift::ringserver':
        local_net_ip => $oci::node::management_address,
      }
    }
  }

  if $role == 'swiftstore' {
    class { 'swift::storage::all':
      storage_local_net_ip => $oci::node::management_address,
    }
    oci::swift::disk { $oci::node::swift['disks']:
      before  => Class['swift::storage::all'],
    }
  }
}
