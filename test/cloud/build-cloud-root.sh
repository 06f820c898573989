#!/bin/sh
# The root npm run test:cloud boots its nodes from: Debian 12 with systemd, the Puppet agent and
# the packages the controller and compute roles install, put there natively ahead of time (a node
# under emulation would spend hours in dpkg). Nothing is configured here: Puppet does that.
# Usage: build-cloud-root.sh ROOT
set -eu
ROOT=$1
debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,iproute2,procps,curl,ca-certificates,puppet,openssl,gnupg,less bookworm "$ROOT" http://deb.debian.org/debian
printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"; chmod 755 "$ROOT/usr/sbin/policy-rc.d"
wanted() { find "$ROOT/etc/systemd/system" -path '*.wants/*' -name '*.service' -printf '%f\n' | sort -u; }
wanted >"$ROOT/tmp/wanted-before"
mount --bind /proc "$ROOT/proc"; mount --bind /sys "$ROOT/sys"; mount --bind /dev "$ROOT/dev"
trap 'umount "$ROOT/proc" "$ROOT/sys" "$ROOT/dev" 2>/dev/null' EXIT
chroot "$ROOT" sh -c 'DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends keystone glance nova-api nova-conductor nova-scheduler nova-novncproxy placement-api neutron-server neutron-openvswitch-agent neutron-l3-agent neutron-dhcp-agent neutron-metadata-agent cinder-api cinder-scheduler cinder-volume heat-api heat-api-cfn heat-engine barbican-api barbican-worker barbican-keystone-listener aodh-api aodh-evaluator aodh-notifier aodh-listener ceilometer-polling ceilometer-agent-notification mariadb-server galera-4 rabbitmq-server memcached haproxy apache2 libapache2-mod-wsgi-py3 corosync pacemaker crmsh openvswitch-switch python3-openstackclient nova-compute nova-compute-qemu chrony ssl-cert lvm2 rsync xfsprogs' 
rm -f "$ROOT/usr/sbin/policy-rc.d"
# A node Puppet has not configured yet runs none of these: the packages' maintainer scripts enabled
# their services, Puppet enables and starts each one itself, in its order.
wanted | comm -13 "$ROOT/tmp/wanted-before" - | while read -r unit; do systemctl --root="$ROOT" disable "$unit" >/dev/null 2>&1 || true; done
rm -f "$ROOT/tmp/wanted-before"
