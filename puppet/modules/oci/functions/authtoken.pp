# @summary The keystonemiddleware settings every API shares: keystone on the VIP, the public name
#   for clients, tokens cached in the controllers' memcached, encrypted with the cluster's key.
# @param password The service user's keystone password.
# @return [Hash] Parameters of <service>::keystone::authtoken.
function oci::authtoken(String[1] $password) >> Hash {
  {
    'password'                   => $password,
    'auth_url'                   => "https://${oci::cluster::vip}:5000",
    'www_authenticate_uri'       => "https://${oci::cluster::public_endpoint}:5000",
    'cafile'                     => '/etc/ssl/oci/ca.pem',
    'memcached_servers'          => $oci::cluster::controllers.map |Hash $host| { "${host['address']}:11211" },
    'memcache_security_strategy' => 'ENCRYPT',
    'memcache_secret_key'        => lookup('oci::profile::memcached::secret_key', String[1]),
  }
}
