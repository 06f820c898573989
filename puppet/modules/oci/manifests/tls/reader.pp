# @summary Lets a service user that is not root read the node's private key: it joins the ssl-cert
#   group (Debian's group for reading private keys). Declare it with `require` on what creates the
#   user (its package) and `before` what starts the service, so the first start reads the key.
define oci::tls::reader {
  exec { "oci ssl-cert member ${title}":
    command => "/usr/sbin/adduser ${title} ssl-cert",
    unless  => "/usr/bin/id -nG ${title} | /bin/grep -qw ssl-cert",
    require => Package['ssl-cert'],
  }
}
