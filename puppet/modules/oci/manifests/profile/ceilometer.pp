# @summary Ceilometer: the notification agent and the central poller on the controllers, the
#   compute poller on the computes. Events go to panko when the cluster runs it. The cluster has
#   no gnocchi (it is not a service oci deploys), so the metering pipeline is left as packaged.
# @param keystone_password The ceilometer service user's password (eyaml-encrypted hiera).
# @param rabbit_password The ceilometer RabbitMQ user's password (eyaml-encrypted hiera).
# @param telemetry_secret The key samples are signed with (eyaml-encrypted hiera).
class oci::profile::ceilometer (
  String[1] $keystone_password,
  String[1] $rabbit_password,
  String[1] $telemetry_secret,
) {
  $role = $oci::node::role

  class { 'ceilometer':
    telemetry_secret      => $telemetry_secret,
    default_transport_url => oci::transport_url('ceilometer', $rabbit_password),
    rabbit_use_ssl        => true,
    kombu_ssl_ca_certs    => '/etc/ssl/oci/ca.pem',
  }
  class { 'ceilometer::agent::service_credentials':
    password => $keystone_password,
    auth_url => "https://${oci::cluster::vip}:5000/v3",
  }
  class { 'ceilometer::agent::polling':
    central_namespace => $role == 'controller',
    compute_namespace => $role == 'compute',
    ipmi_namespace    => false,
  }
  if $role == 'controller' {
    $panko = 'panko' in $oci::cluster::services
    $event_publishers = $panko ? {
      true  => ['panko://'],
      false => [],
    }
    class { 'ceilometer::agent::notification':
      manage_event_pipeline     => $panko,
      event_pipeline_publishers => $event_publishers,
    }
    if oci::is_first($oci::cluster::controllers) {
      class { 'ceilometer::keystone::auth':
        password => $keystone_password,
      }
    }
  }
}
