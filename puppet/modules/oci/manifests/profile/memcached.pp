# @summary Memcached (token cache): its secret.
#
# The parameters are the data contract with the compiler (test/puppet checks both sides agree).
# Wrapping Debian's puppet-module-memcached with them is the open part of the Puppet module issue.
# @param secret_key From the cluster's eyaml-encrypted hiera.
class oci::profile::memcached (
  String[1] $secret_key,
) {
}
