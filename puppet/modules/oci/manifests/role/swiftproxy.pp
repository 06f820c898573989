# @summary Role swiftproxy: The swift proxy.
#
# Service profiles are included when the cluster runs the service, Ceph when it has OSDs:
# the same conditions under which the compiler emits their parameters.
class oci::role::swiftproxy {
  include oci::profile::base
  include oci::profile::memcached
  if 'swift' in $oci::cluster::services {
    include oci::profile::swift
  }
}
