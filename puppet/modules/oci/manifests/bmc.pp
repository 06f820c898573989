# @summary The machine's BMC on the address the site gave it (oci::node::ipmi), set in-band with
#   ipmitool on LAN channel 1, as OCI does. Only where a BMC answers (/dev/ipmi0); nothing is
#   changed when its address, netmask and gateway already are the site's. The admin user (id 2)
#   gets the site's name for it and the site's BMC password; a marker keeps its digest, so it is set again only when it changes.
# @param password The BMC admin password (eyaml-encrypted hiera, secret ipmi/<fqdn>).
class oci::bmc (
  Optional[String[1]] $password = undef,
) {
  $ipmi = $oci::node::ipmi
  if $ipmi {
    package { 'ipmitool':
      ensure => installed,
    }
    file { '/etc/modules-load.d/oci-ipmi.conf':
      ensure  => file,
      mode    => '0644',
      content => "ipmi_si\nipmi_devintf\n",
    }
    $gateway = $ipmi['gateway'] ? {
      undef   => [],
      default => ["ipmitool lan set 1 defgw ipaddr ${ipmi['gateway']}"],
    }
    $commands = [
      'ipmitool lan set 1 ipsrc static',
      "ipmitool lan set 1 ipaddr ${ipmi['address']}",
      "ipmitool lan set 1 netmask ${ipmi['netmask']}",
    ] + $gateway
    exec { 'oci bmc lan address':
      command  => join($commands, ' && '),
      unless   => "ipmitool lan print 1 | grep -Eq '^IP Address +: ${ipmi['address']}\$'",
      onlyif   => 'test -e /dev/ipmi0 || test -e /dev/ipmi/0 || test -e /dev/ipmidev/0',
      path     => ['/usr/bin', '/usr/sbin', '/bin', '/sbin'],
      provider => shell,
      require  => Package['ipmitool'],
    }
    # User id 2 is the admin account of the BMCs oci manages; its name is the site's (vendors ship
    # root, ADMIN, Administrator …), so `oci power` logs in as the name the release gives.
    $user = $ipmi['user'] ? {
      undef   => 'root',
      default => $ipmi['user'],
    }
    exec { 'oci bmc user name':
      command  => "ipmitool user set name 2 ${user}",
      unless   => "ipmitool user list 1 | awk '\$1 == 2 { print \$2 }' | grep -qx -- '${user}'",
      onlyif   => 'test -e /dev/ipmi0 || test -e /dev/ipmi/0 || test -e /dev/ipmidev/0',
      path     => ['/usr/bin', '/usr/sbin', '/bin', '/sbin'],
      provider => shell,
      require  => Package['ipmitool'],
    }
    if $password {
      $digest = sha256($password)
      $marker = '/var/lib/oci/bmc-password.sha256'
      exec { 'oci bmc password':
        # The password goes through the environment: it stays out of Puppet's logs and reports.
        command     => "ipmitool user set password 2 \"\$OCI_BMC_PASSWORD\" 20 && mkdir -p /var/lib/oci && echo ${digest} > ${marker}",
        environment => ["OCI_BMC_PASSWORD=${password}"],
        unless      => "grep -qx ${digest} ${marker}",
        onlyif      => 'test -e /dev/ipmi0 || test -e /dev/ipmi/0 || test -e /dev/ipmidev/0',
        path        => ['/usr/bin', '/usr/sbin', '/bin', '/sbin'],
        provider    => shell,
        require     => Package['ipmitool'],
      }
    }
  }
}
