# @summary Role dns: The cluster's DNS service machine.
class oci::role::dns {
  include oci::profile::base
}
