# @summary Swift (object storage): its hash path salts and service password.
#
# The parameters are the data contract with the compiler (test/puppet checks both sides agree).
# Wrapping Debian's puppet-module-swift with them is the open part of the Puppet module issue.
# @param hash_path_prefix From the cluster's eyaml-encrypted hiera.
# @param hash_path_suffix From the cluster's eyaml-encrypted hiera.
# @param keystone_password From the cluster's eyaml-encrypted hiera.
class oci::profile::swift (
  String[1] $hash_path_prefix,
  String[1] $hash_path_suffix,
  String[1] $keystone_password,
) {
}
