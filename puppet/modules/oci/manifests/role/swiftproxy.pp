# @summary Role swiftproxy: The swift proxy.
class oci::role::swiftproxy {
  include oci::site
  include oci::base
  include oci::cluster
  include oci::node
  include oci::profile::tls
  include oci::profile::swift
  include oci::profile::memcached
}
