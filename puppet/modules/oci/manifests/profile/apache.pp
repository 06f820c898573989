# @summary Apache on the controllers, as the APIs' WSGI host: no default sites, so that it listens
#   only on the API ports of the management address (HAProxy holds the same ports on the VIP).
class oci::profile::apache {
  class { 'apache':
    default_vhost     => false,
    default_ssl_vhost => false,
  }
}
