# @summary HAProxy in front of every API on the VIP: its secrets and the public certificate.
#
# The parameters are the data contract with the compiler (test/puppet checks both sides agree).
# Wrapping Debian's puppet-module-haproxy with them is the open part of the Puppet module issue.
# @param public_certificate The VIP certificate (absent with publicCertificate: byo).
# @param public_private_key Its key (absent with publicCertificate: byo).
# @param stats_password From the cluster's eyaml-encrypted hiera.
class oci::profile::haproxy (
  String[1] $stats_password,
  Optional[String[1]] $public_certificate = undef,
  Optional[String[1]] $public_private_key = undef,
) {
}
