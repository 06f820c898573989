# @summary Whether this node is the first of a host list: the one that does a cluster's one-time
#   work (keystone registrations, databases, rings, pools) so that it is done once, not raced.
# @param hosts A host list of oci::cluster.
# @return [Boolean] true on its first member.
function oci::is_first(Array[Hash] $hosts) >> Boolean {
  !empty($hosts) and $hosts[0]['hostname'] == $oci::node::hostname
}
