# @summary What every machine of the site gets: the Debian mirror, DNS resolvers, time.
# @param debian_mirror Debian mirror URL.
# @param debian_release Debian release (bookworm).
# @param dns_search DNS search domains.
# @param dns_servers DNS resolvers.
# @param ntp_servers NTP servers for chrony.
# @param provisioning_url oci serve's HTTP root: reports go there.
# @param puppet_server FQDN of the puppetserver.
class oci::base (
  String[1] $debian_mirror,
  Enum['bookworm', 'trixie'] $debian_release,
  Array[String[1]] $dns_search,
  Array[String[1]] $dns_servers,
  Array[String[1]] $ntp_servers,
  String[1] $provisioning_url,
  String[1] $puppet_server,
) {
  file { '/etc/apt/sources.list':
    ensure  => file,
    mode    => '0644',
    content => "deb ${debian_mirror} ${debian_release} main\ndeb ${debian_mirror} ${debian_release}-updates main\n",
    notify  => Exec['oci apt-get update'],
  }
  # Package lists that match the sources before any package is installed: a new machine's lists
  # are those of its install, and a changed mirror has none yet.
  exec { 'oci apt-get update':
    command     => '/usr/bin/apt-get update',
    refreshonly => true,
  }
  Exec['oci apt-get update'] -> Package <| |>
  # The same text the installer writes from the machine's network files, so a first run changes nothing.
  $search = empty($dns_search) ? {
    true  => [],
    false => ["search ${join($dns_search, ' ')}"],
  }
  file { '/etc/resolv.conf':
    ensure  => file,
    mode    => '0644',
    content => "${join($search + $dns_servers.map |$s| { "nameserver ${s}" }, "\n")}\n",
  }
  package { 'chrony':
    ensure => installed,
  }
  file { '/etc/chrony/sources.d/oci.sources':
    ensure  => file,
    mode    => '0644',
    content => join($ntp_servers.map |$s| { "server ${s} iburst" }, "\n"),
    require => Package['chrony'],
  }
}
