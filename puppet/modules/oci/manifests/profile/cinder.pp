# @summary Cinder (block storage): its secrets.
#
# The parameters are the data contract with the compiler (test/puppet checks both sides agree).
# Wrapping Debian's puppet-module-cinder with them is the open part of the Puppet module issue.
# @param db_password From the cluster's eyaml-encrypted hiera.
# @param keystone_password From the cluster's eyaml-encrypted hiera.
# @param rabbit_password From the cluster's eyaml-encrypted hiera.
class oci::profile::cinder (
  String[1] $db_password,
  String[1] $keystone_password,
  String[1] $rabbit_password,
) {
}
