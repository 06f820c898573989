# @summary The node's TLS material, written where the services read it, and the site CA trusted system-wide.
# @param ca_certificate The site CA chain (root, intermediate), PEM.
# @param certificate The node's certificate and the intermediate, PEM.
# @param private_key The node's private key, PEM (eyaml-decrypted by puppetserver).
class oci::profile::tls (
  String[1] $ca_certificate,
  String[1] $certificate,
  String[1] $private_key,
) {
  file { ['/etc/ssl/oci']:
    ensure => directory,
    mode   => '0755',
  }
  file { '/etc/ssl/oci/ca.pem':
    ensure  => file,
    mode    => '0644',
    content => $ca_certificate,
  }
  file { '/etc/ssl/oci/node.pem':
    ensure  => file,
    mode    => '0644',
    content => $certificate,
  }
  # Readable by root and the ssl-cert group, which the services that serve TLS themselves join (oci::tls::reader).
  package { 'ssl-cert':
    ensure => installed,
  }
  file { '/etc/ssl/oci/node.key':
    ensure    => file,
    owner     => 'root',
    group     => 'ssl-cert',
    mode      => '0640',
    require   => Package['ssl-cert'],
    content   => Sensitive($private_key),
    show_diff => false,
  }
  file { '/usr/local/share/ca-certificates/oci-site-ca.crt':
    ensure  => file,
    mode    => '0644',
    content => $ca_certificate,
    notify  => Exec['oci update-ca-certificates'],
  }
  package { 'ca-certificates':
    ensure => installed,
  }
  exec { 'oci update-ca-certificates':
    command     => '/usr/sbin/update-ca-certificates',
    refreshonly => true,
    require     => Package['ca-certificates'],
  }
}
