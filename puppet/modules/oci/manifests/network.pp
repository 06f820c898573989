# @summary The machine's network as the site describes it: systemd-networkd files that oci
#   compiled (hiera: nodes/<fqdn>.yaml), the same ones the installer wrote.
#
# A changed .network or new .netdev is applied by `networkctl reload` at once; a changed .link
# (a NIC's name) takes effect at the next boot, when udev names the NIC. oci's own files that
# the site no longer has are removed; files of other origins are left alone.
#
# @param files File name in /etc/systemd/network => content. Empty while the machine's links
#   are not all known (no boot MAC yet): nothing is managed then.
class oci::network (
  Hash[Pattern[/\A[0-9]{2}-oci-[a-z0-9._-]+\.(link|netdev|network)\z/], String[1]] $files = {},
) {
  unless empty($files) {
    $files.each |String $file, String $content| {
      file { "/etc/systemd/network/${file}":
        ensure  => file,
        owner   => 'root',
        group   => 'root',
        mode    => '0644',
        content => $content,
        notify  => Exec['oci-networkctl-reload'],
      }
    }
    tidy { 'oci-networkd-stale':
      path    => '/etc/systemd/network',
      matches => ['[0-9][0-9]-oci-*'],
      recurse => 1,
    }
    service { 'systemd-networkd':
      ensure => running,
      enable => true,
    }
    exec { 'oci-networkctl-reload':
      command     => '/usr/bin/networkctl reload',
      refreshonly => true,
      require     => Service['systemd-networkd'],
    }
  }
}
