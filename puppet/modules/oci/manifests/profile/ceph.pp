# @summary Ceph as OCI places it: monitors and managers on the cluster's ceph_mons (the cephmon
#   machines, else the controllers), OSDs on the ceph disks of the cephosd machines, and the
#   client.openstack key on the controllers and computes that glance, cinder and nova use.
#   The first monitor creates the pools: images, volumes, vms.
# @param admin_key client.admin's cephx key (eyaml-encrypted hiera).
# @param bootstrap_osd_key client.bootstrap-osd's key, with which OSD nodes register their disks.
# @param fsid The Ceph cluster's fsid; also the libvirt secret's UUID on the computes.
# @param mgr_key The managers' key (each mgr.<host> entity is given it).
# @param mon_key The monitors' shared mon. key.
# @param openstack_key client.openstack's key.
class oci::profile::ceph (
  String[1] $admin_key,
  String[1] $bootstrap_osd_key,
  String[1] $fsid,
  String[1] $mgr_key,
  String[1] $mon_key,
  String[1] $openstack_key,
) {
  $mons = $oci::cluster::ceph_mons
  $is_mon = oci::is_member($mons)
  $role = $oci::node::role
  $admin_keyring = "/var/lib/ceph/mon/ceph-${oci::node::hostname}/keyring"
  $inject = $is_mon ? {
    true  => { 'inject' => true, 'inject_as_id' => 'mon.', 'inject_keyring' => $admin_keyring },
    false => {},
  }

  class { 'ceph':
    fsid                => $fsid,
    mon_initial_members => join($mons.map |Hash $host| { $host['hostname'] }, ','),
    mon_host            => join($mons.map |Hash $host| { $host['address'] }, ','),
  }

  if $is_mon {
    ceph::mon { $oci::node::hostname:
      key         => $mon_key,
      public_addr => $oci::node::management_address,
    }
    ceph::mgr { $oci::node::hostname:
      key        => $mgr_key,
      inject_key => true,
    }
    ceph::key { 'client.admin':
      secret  => $admin_key,
      cap_mon => 'allow *',
      cap_osd => 'allow *',
      cap_mds => 'allow',
      cap_mgr => 'allow *',
      *       => $inject,
    }
    ceph::key { 'client.bootstrap-osd':
      secret       => $bootstrap_osd_key,
      keyring_path => '/var/lib/ceph/bootstrap-osd/ceph.keyring',
      cap_mon      => 'allow profile bootstrap-osd',
      *            => $inject,
    }
    if oci::is_first($mons) {
      ceph::pool { ['images', 'volumes', 'vms']:
        pg_num => 64,
        tag    => 'rbd',
      }
    }
  }

  if $role == 'cephosd' {
    ceph::key { 'client.bootstrap-osd':
      secret       => $bootstrap_osd_key,
      keyring_path => '/var/lib/ceph/bootstrap-osd/ceph.keyring',
    }
    $oci::node::ceph_disks.each |String $disk| {
      ceph::osd { "/dev/${disk}":
        fsid    => $fsid,
        require => Ceph::Key['client.bootstrap-osd'],
      }
    }
  }

  # The services' user: glance (images), cinder (volumes), nova (vms).
  if $is_mon or $role in ['controller', 'compute'] {
    ceph::key { 'client.openstack':
      secret  => $openstack_key,
      cap_mon => 'profile rbd',
      cap_osd => 'profile rbd pool=images, profile rbd pool=volumes, profile rbd pool=vms',
      cap_mgr => 'profile rbd pool=images, profile rbd pool=volumes, profile rbd pool=vms',
      mode    => '0644',
      *       => $inject,
    }
  }
}
