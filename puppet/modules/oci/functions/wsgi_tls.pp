# @summary How every API is served under Apache on a controller: on its management address only
#   (HAProxy holds the same port on the VIP), TLS with the node's certificate, which HAProxy verifies.
# @return [Hash] Parameters shared by the <service>::wsgi::apache classes.
function oci::wsgi_tls() >> Hash {
  {
    'servername' => $oci::node::fqdn,
    'bind_host'  => $oci::node::management_address,
    'ssl'        => true,
    'ssl_cert'   => '/etc/ssl/oci/node.pem',
    'ssl_key'    => '/etc/ssl/oci/node.key',
  }
}
