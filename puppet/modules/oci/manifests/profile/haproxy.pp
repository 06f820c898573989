# @summary HAProxy on the controllers: every API of the cluster on the VIP, TLS to clients (the
#   VIP certificate) and to the backends (verified against the site CA); Galera on the VIP; a stats page.
# @param stats_password Password of the stats page's admin user (eyaml-encrypted hiera).
# @param public_certificate The VIP certificate chain: the site CA's, or with publicCertificate: byo
#   the chain the operator committed (clusters/<name>/public-certificate.pem); absent until then.
# @param public_private_key Its key (eyaml-encrypted hiera), made by oci in both cases.
class oci::profile::haproxy (
  String[1] $stats_password,
  Optional[String[1]] $public_certificate = undef,
  Optional[String[1]] $public_private_key = undef,
) {
  # Every frontend on the VIP: the service that brings it, and its port (each backend listens on the
  # same port on its management address).
  $frontends = {
    'keystone' => ['keystone', 5000], 'nova' => ['nova', 8774], 'nova_metadata' => ['nova', 8775],
    'novnc' => ['nova', 6080], 'placement' => ['nova', 8778], 'neutron' => ['neutron', 9696],
    'glance' => ['glance', 9292], 'cinder' => ['cinder', 8776], 'swift' => ['swift', 8080],
    'heat' => ['heat', 8004], 'heat_cfn' => ['heat', 8000], 'aodh' => ['aodh', 8042],
    'barbican' => ['barbican', 9311], 'panko' => ['panko', 8977],
  }.filter |String $name, Tuple[String, Integer] $frontend| { $frontend[0] in $oci::cluster::services }
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
  $frontends.each |String $name, Tuple[String, Integer] $frontend| {
    $service = $frontend[0]
    $port = $frontend[1]
    # Health checks: OPTIONS / on each API; GET / on placement, which answers OPTIONS with 405
    # (found by npm run test:cloud: HAProxy took placement down); swift's healthcheck middleware;
    # noVNC (a websocket proxy with no API root) by its TLS handshake, its sessions kept open for an hour.
    $options = $name ? {
      'novnc'     => { 'option' => ['forwardfor'], 'balance' => 'source', 'timeout' => ['tunnel 1h'] },
      'swift'     => { 'option' => ['forwardfor', 'httpchk GET /healthcheck'], 'balance' => 'roundrobin' },
      'placement' => { 'option' => ['forwardfor', 'httpchk GET /'], 'balance' => 'roundrobin' },
      default     => { 'option' => ['forwardfor', 'httpchk'], 'balance' => 'roundrobin' },
    }
    haproxy::listen { $name:
      bind             => { "${oci::cluster::vip}:${port}" => ['ssl', 'crt', $pem] },
      mode             => 'http',
      collect_exported => false,
      options          => $options,
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
      haproxy::balancermember { "${name}-${member['hostname']}":
        listening_service => $name,
        server_names      => $member['hostname'],
        ipaddresses       => $member['address'],
        ports             => String($port),
        options           => 'check ssl verify required ca-file /etc/ssl/oci/ca.pem',
      }
    }
  }
  # glance-api serves plain HTTP only (its own TLS options were dropped upstream, and it is not
  # supported under mod_wsgi): it listens on localhost, and this HAProxy terminates TLS for it on
  # the management address with the node's certificate, so the VIP's backend check stays TLS,
  # verified (found by npm run test:cloud: the VIP answered 503 for glance).
  if 'glance' in $oci::cluster::services {
    $node_pem = '/etc/haproxy/oci-node.pem'
    file { $node_pem:
      ensure    => file,
      mode      => '0600',
      content   => Sensitive("${oci::profile::tls::certificate}${oci::profile::tls::private_key}"),
      show_diff => false,
      require   => Package['haproxy'],
      notify    => Service['haproxy'],
    }
    haproxy::listen { 'glance_tls':
      bind             => { "${oci::node::management_address}:9292" => ['ssl', 'crt', $node_pem] },
      mode             => 'http',
      collect_exported => false,
      options          => { 'option' => ['forwardfor'], 'server' => ['glance-api 127.0.0.1:9292 check'] },
    }
  }
  # Galera takes writes on one node at a time (OCI's choice too): the first SQL host, the others as backups.
  haproxy::listen { 'galera':
    bind             => { "${oci::cluster::vip}:3306" => [] },
    mode             => 'tcp',
    collect_exported => false,
    options          => { 'option' => ['tcpka'], 'timeout' => ['client 90m', 'server 90m'] },
  }
  # The services' schema syncs and keystone's bootstrap reach Galera through this frontend: they
  # wait until the VIP answers (found by npm run test:cloud: pacemaker brings the address up after
  # its resource exists, and a sync that ran first failed the whole run).
  oci::wait_until { 'the VIP answers':
    check   => "/usr/bin/timeout 5 /bin/bash -c 'exec 3<>/dev/tcp/${oci::cluster::vip}/3306'",
    require => Service['haproxy'],
  }
  Exec['oci: the VIP answers'] -> Exec <| tag == 'openstack-db' or tag == 'keystone-bootstrap' |>
  $oci::cluster::sql_hosts.each |Integer $index, Hash $member| {
    $check = $index ? {
      0       => 'check',
      default => 'check backup',
    }
    haproxy::balancermember { "galera-${member['hostname']}":
      listening_service => 'galera',
      server_names      => $member['hostname'],
      ipaddresses       => $member['address'],
      ports             => '3306',
      options           => $check,
    }
  }
}
