# @summary Ceph (mons, OSDs, clients): the cluster's fsid and keys.
#
# The parameters are the data contract with the compiler (test/puppet checks both sides agree).
# Wrapping Debian's puppet-module-ceph with them is the open part of the Puppet module issue.
# @param admin_key From the cluster's eyaml-encrypted hiera.
# @param bootstrap_osd_key From the cluster's eyaml-encrypted hiera.
# @param fsid From the cluster's eyaml-encrypted hiera.
# @param mon_key From the cluster's eyaml-encrypted hiera.
# @param openstack_key From the cluster's eyaml-encrypted hiera.
class oci::profile::ceph (
  String[1] $admin_key,
  String[1] $bootstrap_osd_key,
  String[1] $fsid,
  String[1] $mon_key,
  String[1] $openstack_key,
) {
}
