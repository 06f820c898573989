# @summary Role sql: Galera, when the cluster has SQL machines.
class oci::role::sql {
  include oci::site
  include oci::base
  include oci::cluster
  include oci::node
  include oci::profile::tls
  include oci::profile::galera
}
