# @summary Role swiftstore: Swift account, container and object servers on the machine's disks.
class oci::role::swiftstore {
  include oci::site
  include oci::base
  include oci::cluster
  include oci::node
  include oci::profile::tls
  include oci::profile::swift
}
