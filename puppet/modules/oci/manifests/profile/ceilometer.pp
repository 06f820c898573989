# @summary Ceilometer (telemetry): its secrets.
#
# The parameters are the data contract with the compiler (test/puppet checks both sides agree).
# Wrapping Debian's puppet-module-ceilometer with them is the open part of the Puppet module issue.
# @param keystone_password From the cluster's eyaml-encrypted hiera.
# @param rabbit_password From the cluster's eyaml-encrypted hiera.
class oci::profile::ceilometer (
  String[1] $keystone_password,
  String[1] $rabbit_password,
) {
}
