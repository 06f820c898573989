# @summary Role debmirror: A Debian mirror for the site.
class oci::role::debmirror {
  include oci::site
  include oci::base
  include oci::cluster
  include oci::node
  include oci::profile::tls
}
