# @summary Role debmirror: A Debian mirror for the site.
#
# Service profiles are included when the cluster runs the service, Ceph when it has OSDs:
# the same conditions under which the compiler emits their parameters.
class oci::role::debmirror {
  include oci::profile::base
}
