# @summary Neutron as OCI places it, ML2 with Open vSwitch and VXLAN: the API (Apache, TLS) and RPC
#   server on the controllers; the L3, DHCP and metadata agents on the network nodes, or on the
#   controllers when the cluster has none; the OVS agent wherever instances' traffic passes
#   (computes and agent hosts), its tunnels on the node's vm network address.
# @param db_password The neutron database password (eyaml-encrypted hiera).
# @param keystone_password The neutron service user's password (eyaml-encrypted hiera).
# @param metadata_secret The secret the metadata agent and nova's metadata API share.
# @param rabbit_password The neutron RabbitMQ user's password (eyaml-encrypted hiera).
class oci::profile::neutron (
  String[1] $db_password,
  String[1] $keystone_password,
  String[1] $metadata_secret,
  String[1] $rabbit_password,
) {
  $vip = $oci::cluster::vip
  $role = $oci::node::role
  $agent_hosts = empty($oci::cluster::network_nodes) ? {
    true  => $oci::cluster::controllers,
    false => $oci::cluster::network_nodes,
  }
  $agents = oci::is_member($agent_hosts)
  # VXLAN runs on the vm network where the machine has one, else on the management network.
  $vm_interfaces = $oci::node::interfaces.filter |Hash $i| { $i['purpose'] == 'vm' }
  $tunnel_ip = empty($vm_interfaces) ? {
    true  => $oci::node::management_address,
    false => $vm_interfaces[0]['address'],
  }

  class { 'neutron':
    core_plugin           => 'ml2',
    service_plugins       => ['router'],
    default_transport_url => oci::transport_url('neutron', $rabbit_password),
    rabbit_use_ssl        => true,
    kombu_ssl_ca_certs    => '/etc/ssl/oci/ca.pem',
  }

  if $role == 'controller' {
    include oci::profile::memcached
    class { 'neutron::db':
      database_connection => oci::database_url('neutron', $db_password),
    }
    class { 'neutron::keystone::authtoken':
      * => oci::authtoken($keystone_password),
    }
    class { 'neutron::server':
      api_service_name => 'httpd',
      sync_db          => oci::is_first($oci::cluster::controllers),
    }
    class { 'neutron::wsgi::apache':
      * => oci::wsgi_tls(),
    }
    class { 'neutron::plugins::ml2':
      type_drivers         => ['flat', 'vlan', 'vxlan'],
      tenant_network_types => ['vxlan'],
      mechanism_drivers    => ['openvswitch'],
      vni_ranges           => '1000:9999',
    }
    # Port events go to nova as neutron's own service user.
    class { 'neutron::server::notifications::nova':
      password => $keystone_password,
      username => 'neutron',
      auth_url => "https://${vip}:5000",
    }
    if oci::is_first($oci::cluster::controllers) {
      class { 'neutron::keystone::auth':
        password => $keystone_password,
        *        => oci::endpoints(9696),
      }
    }
  }

  if $agents {
    class { 'neutron::agents::l3': }
    class { 'neutron::agents::dhcp': }
    class { 'neutron::agents::metadata':
      shared_secret     => $metadata_secret,
      metadata_host     => $vip,
      metadata_protocol => 'https',
    }
  }

  if $agents or $role == 'compute' {
    # Floating IPs leave through br-ex on the agent hosts, plugged into their public-network interface.
    $public = $oci::node::interfaces.filter |Hash $i| { $i['purpose'] == 'public' }
    $bridge_mappings = $agents ? {
      true  => ['external:br-ex'],
      false => [],
    }
    $bridge_uplinks = ($agents and !empty($public)) ? {
      true  => ["br-ex:${public[0]['device']}"],
      false => [],
    }
    # vswitch's vs_bridge cannot set a datapath type, and `system` fails where the kernel has no OVS
    # module: br-ex is made first with the cluster's datapath, which vs_bridge then finds in place.
    if $agents {
      $datapath = $oci::cluster::ovs_datapath
      exec { 'oci: br-ex datapath':
        command  => "ovs-vsctl --may-exist add-br br-ex -- set bridge br-ex datapath_type=${datapath}",
        unless   => "test \"\$(ovs-vsctl get bridge br-ex datapath_type)\" = ${datapath}",
        path     => ['/usr/bin', '/bin', '/usr/sbin', '/sbin'],
        provider => shell,
        require  => Class['vswitch::ovs'],
        before   => Vs_bridge['br-ex'],
      }
    }
    # Open vSwitch's userspace datapath sends VXLAN out of the bridge the tunnel address is on: the
    # vm network's device is a port of br-vm, whose own port holds the address (the render's
    # networkd files put it there). Without it no tunnel packet left the node (npm run test:cloud).
    if $oci::cluster::ovs_datapath == 'netdev' and !empty($vm_interfaces) {
      $tunnel_port = $vm_interfaces[0]['device']
      $add_bridge = 'ovs-vsctl --may-exist add-br br-vm -- set bridge br-vm datapath_type=netdev'
      exec { 'oci: br-vm, the tunnel bridge':
        command  => "${add_bridge} -- --may-exist add-port br-vm ${tunnel_port}",
        unless   => "ovs-vsctl list-ports br-vm | grep -qx ${tunnel_port}",
        path     => ['/usr/bin', '/bin', '/usr/sbin', '/sbin'],
        provider => shell,
        require  => Class['vswitch::ovs'],
        before   => Class['neutron::agents::ml2::ovs'],
      }
    }
    # Debian's package maps external:br-ex by default, and the wrapped module leaves an empty list
    # unwritten: a node without br-ex then runs an agent that exits at start (found by npm run
    # test:cloud: the compute's agent restarted every 10 s). Only agent hosts map it.
    if !$agents {
      neutron_agent_ovs { 'ovs/bridge_mappings':
        ensure => absent,
      }
    }
    class { 'neutron::agents::ml2::ovs':
      local_ip        => $tunnel_ip,
      tunnel_types    => ['vxlan'],
      bridge_mappings => $bridge_mappings,
      bridge_uplinks  => $bridge_uplinks,
      datapath_type   => $oci::cluster::ovs_datapath,
    }
  }
}
