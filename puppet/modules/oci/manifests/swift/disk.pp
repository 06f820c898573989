# @summary One swift store disk: XFS made once (never over an existing filesystem), mounted on
#   /srv/node/<disk>, owned by swift.
#
# Not swift::storage::disk: in Debian's puppet-module-swift 21.0.0 it fails on a disk that has no
# filesystem yet ("Unable to fetch uuid"), which is every disk of a new store.
define oci::swift::disk {
  include swift::xfs
  $device = "/dev/${title}"
  $path = "/srv/node/${title}"

  exec { "oci mkfs.xfs ${title}":
    command => "/usr/sbin/mkfs.xfs -f -i size=1024 -L ${title} ${device}",
    unless  => "/usr/sbin/xfs_admin -l ${device}",
    require => Package['xfsprogs'],
  }
  file { $path:
    ensure => directory,
  }
  mount { $path:
    ensure  => mounted,
    device  => $device,
    fstype  => 'xfs',
    options => 'noatime,nofail',
    require => [Exec["oci mkfs.xfs ${title}"], File[$path]],
  }
  exec { "oci chown ${path}":
    command     => "/bin/chown swift:swift ${path}",
    subscribe   => Mount[$path],
    refreshonly => true,
    require     => Package['swift'],
  }
}
