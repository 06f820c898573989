# @summary Role sql: Galera, when the cluster has SQL machines.
#
# Service profiles are included when the cluster runs the service, Ceph when it has OSDs:
# the same conditions under which the compiler emits their parameters.
class oci::role::sql {
  include oci::profile::base
  include oci::profile::galera
}
