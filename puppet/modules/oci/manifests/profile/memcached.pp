# @summary Memcached on the controllers and swift proxies: the token cache of every API's
#   keystonemiddleware, on the management address only, UDP off. Cached tokens are encrypted
#   with the cluster's secret_key (see oci::authtoken), so memcached never holds them in clear.
# @param secret_key The key keystonemiddleware encrypts and signs cache entries with (eyaml-encrypted hiera).
class oci::profile::memcached (
  String[1] $secret_key,
) {
  class { 'memcached':
    listen_ip  => $oci::node::management_address,
    udp_port   => 0,
    max_memory => '10%',
  }
}
