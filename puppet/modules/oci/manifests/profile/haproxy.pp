# @summary HAProxy on the controllers: every API of the cluster on the VIP, TLS to clients (the
#   VIP certificate) and to the backends (verified against the site CA), plus a stats page.
# @param stats_password Password of the stats page's admin user (eyaml-encrypted hiera).
# @param public_certificate The VIP certificate chain; absent with publicCertificate: byo, whose
#   operator puts certificate and key in /etc/haproxy/oci-public.pem.
# @param public_private_key Its key (eyaml-encrypted hiera); absent with publicCertificate: byo.
class oci::profile::haproxy (
  String[1] $stats_password,
  Optional[String[1]] $public_certificate = undef,
  Optional[String[1]] $public_private_key = undef,
) {
  $api_ports = {
    'keystone' => 5000, 'nova' => 8774, 'neutron' => 9696, 'glance' => 9292, 'cinder' => 8776,
    'swift' => 8080, 'heat' => 8004, 'aodh' => 8042, 'barbican' => 9311, 'panko' => 8977,
  }
  $pem = '/etc/haproxy/oci-public.pem'

  class { 'haproxy': }
  if $public_certificate and $public_private_key {
    file { $pem:
      ensure    => file,
      mode      => '0600',
      content   => Sensitive("${public_certificate}${public_private_key}"),
      show_diff => false,
      require   => Package['haproxy'],
      notify    => Service['haproxy'],
    }
  }
  haproxy::listen { 'stats':
    bind             => { "${oci::node::management_address}:8088" => [] },
    mode             => 'http',
    collect_exported => false,
    options          => { 'stats' => ['enable', 'uri /', "auth admin:${stats_password}"] },
  }
  $oci::cluster::services.each |String $service| {
    $port = $api_ports[$service]
    if $port {
      haproxy::listen { $service:
        bind             => { "${oci::cluster::vip}:${port}" => ['ssl', 'crt', $pem] },
        mode             => 'http',
        collect_exported => false,
        options          => { 'option' => ['forwardfor', 'httpchk'], 'balance' => 'roundrobin' },
      }
      # Swift answers on its proxies; glance with images on local disk, on the first controller only.
      $members = $service ? {
        'swift'  => $oci::cluster::swift_proxies,
        'glance' => $oci::cluster::glance_backend ? {
          'file'  => $oci::cluster::controllers[0, 1],
          default => $oci::cluster::controllers,
        },
        default  => $oci::cluster::controllers,
      }
      $members.each |Hash $member| {
        haproxy::balancermember { "${service}-${member['hostname']}":
          listening_service => $service,
          server_names      => $member['hostname'],
          ipaddresses       => $member['address'],
          ports             => String($port),
          options           => 'check ssl verify required ca-file /etc/ssl/oci/ca.pem',
        }
      }
    }
  }
}
