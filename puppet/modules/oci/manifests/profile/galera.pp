# @summary Galera (MariaDB across the SQL hosts): its secrets.
#
# The parameters are the data contract with the compiler (test/puppet checks both sides agree).
# Wrapping Debian's puppet-module-galera with them is the open part of the Puppet module issue.
# @param root_password From the cluster's eyaml-encrypted hiera.
# @param sst_password From the cluster's eyaml-encrypted hiera.
class oci::profile::galera (
  String[1] $root_password,
  String[1] $sst_password,
) {
}
