# @summary Keystone (identity): its secrets.
#
# The parameters are the data contract with the compiler (test/puppet checks both sides agree).
# Wrapping Debian's puppet-module-keystone with them is the open part of the Puppet module issue.
# @param admin_password From the cluster's eyaml-encrypted hiera.
# @param db_password From the cluster's eyaml-encrypted hiera.
class oci::profile::keystone (
  String[1] $admin_password,
  String[1] $db_password,
) {
}
