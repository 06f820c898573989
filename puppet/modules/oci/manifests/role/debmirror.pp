# @summary Role debmirror: A Debian mirror for the site.
class oci::role::debmirror {
  include oci::profile::base
}
