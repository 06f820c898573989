# @summary Role sql: Galera, when the cluster has SQL machines.
class oci::role::sql {
  include oci::profile::base
  include oci::profile::galera
}
