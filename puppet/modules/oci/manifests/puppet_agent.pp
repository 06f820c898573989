# @summary Puppet's agent on the machine: its server, the hook that tells oci serve each run has
#   started, and the agent service. The installer wrote the same settings and files, so the first
#   run changes nothing here.
#
# Each run's outcome (success, failure and the failed resources, with the catalog version, which
# is the rendered commit) reaches oci serve from puppetserver's `http` report processor.
class oci::puppet_agent {
  $serial = pick($oci::node::serial, '')
  file { '/etc/oci':
    ensure => directory,
    owner  => 'root',
    group  => 'root',
    mode   => '0755',
  }
  file { '/etc/oci/node.env':
    ensure  => file,
    owner   => 'root',
    group   => 'root',
    mode    => '0644',
    content => "OCI_URL=${oci::base::provisioning_url}\nOCI_FQDN=${oci::node::fqdn}\nOCI_SERIAL=${serial}\n",
  }
  file { '/usr/local/sbin/oci-puppet-running':
    ensure  => file,
    owner   => 'root',
    group   => 'root',
    mode    => '0755',
    content => file('oci/oci-puppet-running'),
  }
  # A re-issued certificate (after `puppet ssl clean`) is signed by oci autosign again: the CSR
  # carries the token, as the installer's first one did.
  file { '/etc/puppet/csr_attributes.yaml':
    ensure    => file,
    owner     => 'root',
    group     => 'root',
    mode      => '0600',
    content   => Sensitive("---\ncustom_attributes:\n  1.2.840.113549.1.9.7: \"${oci::node::autosign_token}\"\n"),
    show_diff => false,
  }
  # What oci made of this machine, as a fact (`facter -p oci_node`): for people and their tools.
  file { ['/etc/facter', '/etc/facter/facts.d']:
    ensure => directory,
    owner  => 'root',
    group  => 'root',
    mode   => '0755',
  }
  $node = {
    'site'       => $oci::site::site_name,
    'domain'     => $oci::site::domain,
    'cluster'    => $oci::node::cluster,
    'hostname'   => $oci::node::hostname,
    'role'       => $oci::node::role,
    'setup_wave' => $oci::node::setup_wave,
  }
  file { '/etc/facter/facts.d/oci_node.json':
    ensure  => file,
    owner   => 'root',
    group   => 'root',
    mode    => '0644',
    content => "${to_json_pretty({ 'oci_node' => $node })}\n",
  }
  package { 'curl':
    ensure => installed,
  }
  ini_setting { 'oci puppet server':
    ensure  => present,
    path    => '/etc/puppet/puppet.conf',
    section => 'main',
    setting => 'server',
    value   => $oci::base::puppet_server,
  }
  ini_setting { 'oci puppet prerun_command':
    ensure  => present,
    path    => '/etc/puppet/puppet.conf',
    section => 'agent',
    setting => 'prerun_command',
    value   => '/usr/local/sbin/oci-puppet-running',
    require => File['/usr/local/sbin/oci-puppet-running', '/etc/oci/node.env'],
  }
  # Debian's unit orders the agent after network-online.target without asking for it.
  file { ['/etc/systemd/system/puppet.service.d']:
    ensure => directory,
    mode   => '0755',
  }
  file { '/etc/systemd/system/puppet.service.d/oci.conf':
    ensure  => file,
    mode    => '0644',
    content => "[Unit]\nWants=network-online.target\nAfter=network-online.target\n",
  }
  service { 'puppet':
    enable => true,
  }
}
