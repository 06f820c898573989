# @summary Whether this node is in a host list of oci::cluster.
# @param hosts A host list of oci::cluster.
# @return [Boolean] true when the node's hostname is in it.
function oci::is_member(Array[Hash] $hosts) >> Boolean {
  $oci::node::hostname in $hosts.map |Hash $host| { $host['hostname'] }
}
