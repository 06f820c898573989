# @summary A service's keystone catalogue URLs: the public name for clients, the VIP inside.
# @param port The API's port (HAProxy serves it with TLS on the VIP).
# @param path The version path, if the service has one in its endpoint.
# @return [Hash] public_url, internal_url and admin_url, as <service>::keystone::auth takes them.
function oci::endpoints(Integer $port, String $path = '') >> Hash {
  {
    'public_url'   => "https://${oci::cluster::public_endpoint}:${port}${path}",
    'internal_url' => "https://${oci::cluster::vip}:${port}${path}",
    'admin_url'    => "https://${oci::cluster::vip}:${port}${path}",
  }
}
