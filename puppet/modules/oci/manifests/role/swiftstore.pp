# @summary Role swiftstore: Swift account, container and object servers on the machine's disks.
#
# Service profiles are included when the cluster runs the service, Ceph when it has OSDs:
# the same conditions under which the compiler emits their parameters.
class oci::role::swiftstore {
  include oci::profile::base
  if 'swift' in $oci::cluster::services {
    include oci::profile::swift
  }
}
