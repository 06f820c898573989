# @summary The RabbitMQ URL a service connects with: every messaging host, AMQP over TLS (5671).
# @param user The service's RabbitMQ user (its own name).
# @param password Its password.
# @return [String] rabbit://user:password@host:5671,…/?ssl=1
function oci::transport_url(String[1] $user, String[1] $password) >> String {
  os_transport_url({
    'transport' => 'rabbit',
    'hosts'     => $oci::cluster::messaging_hosts.map |Hash $host| { $host['address'] },
    'port'      => '5671',
    'username'  => $user,
    'password'  => $password,
    'ssl'       => '1',
  })
}
