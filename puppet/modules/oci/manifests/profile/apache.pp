# @summary Apache on the controllers, as the APIs' WSGI host: no default sites, so that it listens
#   only on the API ports of the management address (HAProxy holds the same ports on the VIP).
class oci::profile::apache {
  class { 'apache':
    default_vhost     => false,
    default_ssl_vhost => false,
  }
  # The wrapped apache module names Python 2's libapache2-mod-wsgi on every Debian release;
  # Debian 12 has only the Python 3 module (found by npm run test:cloud). Declared here, before
  # any API's wsgi class includes it with the defaults.
  class { 'apache::mod::wsgi':
    package_name => 'libapache2-mod-wsgi-py3',
    mod_path     => 'mod_wsgi.so',
  }
}
