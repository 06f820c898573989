# @summary The API VIP on the controllers, as the cluster's vip_mode says.
#   l2: corosync (authenticated with the cluster's key) and pacemaker move the address between
#   controllers with IPaddr2. bgp: every controller holds the address on a dummy interface and
#   bird announces it to the routers, as a /32. Either way HAProxy may bind the VIP on a
#   controller that does not hold it (ip_nonlocal_bind).
# @param authkey The corosync authentication key, mode l2 (eyaml-encrypted hiera).
class oci::profile::vip (
  Optional[String[256]] $authkey = undef,
) {
  $vip = $oci::cluster::vip
  $controllers = $oci::cluster::controllers

  file { '/etc/sysctl.d/60-oci-vip.conf':
    ensure  => file,
    mode    => '0644',
    content => "net.ipv4.ip_nonlocal_bind = 1\n",
    notify  => Exec['oci sysctl vip'],
  }
  exec { 'oci sysctl vip':
    command     => '/usr/sbin/sysctl -p /etc/sysctl.d/60-oci-vip.conf',
    refreshonly => true,
  }

  if $oci::cluster::vip_mode == 'l2' {
    unless $authkey {
      fail('oci::profile::vip: vip_mode l2 needs oci::profile::vip::authkey (oci compile emits it)')
    }
    $interface = $oci::node::interfaces.filter |Hash $i| { $i['network'] == $oci::cluster::vip_network }[0]
    class { 'corosync':
      cluster_name             => $oci::cluster::cluster_name,
      enable_secauth           => true,
      authkey_source           => 'string',
      authkey                  => $authkey,
      # Corosync 3's own transport, knet, the only one it encrypts: the wrapped module writes udpu
      # for unicast_addresses, and corosync 3 refuses udpu with secauth. Members come from the
      # nodelist; bind_address is only type-checked (its default, the legacy ipaddress fact, is gone).
      bind_address             => $oci::node::management_address,
      enable_totem_interface   => false,
      # The wrapped module's Debian defaults leave pacemaker alone, and nothing would start it.
      manage_pacemaker_service => true,
      set_votequorum           => true,
      quorum_members           => $controllers.map |Hash $host| { $host['address'] },
      quorum_members_ids       => range(1, length($controllers)),
    }
    corosync::service { 'pacemaker':
      version => '1',
    }
    # No fencing devices are described in the site: without STONITH, a partition without quorum stops.
    cs_property { 'stonith-enabled':
      value => 'false',
    }
    cs_property { 'no-quorum-policy':
      value   => 'stop',
      require => Cs_property['stonith-enabled'],
    }
    if oci::is_first($controllers) {
      cs_primitive { 'oci-vip':
        primitive_class => 'ocf',
        primitive_type  => 'IPaddr2',
        provided_by     => 'heartbeat',
        parameters      => { 'ip' => $vip, 'cidr_netmask' => String($interface['prefix']), 'nic' => $interface['device'] },
        operations      => { 'monitor' => { 'interval' => '10s' } },
        require         => Cs_property['no-quorum-policy'],
      }
    }
  } else {
    $bgp = $oci::cluster::bgp
    unless $bgp {
      fail('oci::profile::vip: vip_mode bgp needs oci::cluster::bgp (asn, peers)')
    }
    file { '/etc/systemd/network/50-oci-vip.netdev':
      ensure  => file,
      mode    => '0644',
      content => "[NetDev]\nName=oci-vip\nKind=dummy\n",
    }
    file { '/etc/systemd/network/50-oci-vip.network':
      ensure  => file,
      mode    => '0644',
      content => "[Match]\nName=oci-vip\n\n[Network]\nAddress=${vip}/32\n",
    }
    package { 'bird2':
      ensure => installed,
    }
    $peers = $bgp['peers'].map |Integer $index, Hash $peer| {
      join([
        "protocol bgp peer${index} {",
        "  local as ${bgp['asn']};",
        "  neighbor ${peer['address']} as ${peer['asn']};",
        '  ipv4 { import none; export where proto = "oci_vip"; };',
        "}\n",
      ], "\n")
    }
    file { '/etc/bird/bird.conf':
      ensure  => file,
      mode    => '0640',
      content => join([
        "router id ${oci::node::management_address};\n",
        "protocol device {}\n",
        "protocol direct oci_vip {\n  ipv4 { import where net = ${vip}/32; };\n  interface \"oci-vip\";\n}\n",
      ] + $peers, "\n"),
      require => Package['bird2'],
      notify  => Service['bird'],
    }
    service { 'bird':
      ensure => running,
      enable => true,
    }
  }
}
