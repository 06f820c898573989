#!/bin/sh
# oci installer: lays Debian onto this machine's disk(s) as the install script's kernel command line
# says, configures puppet to join the site, and reports each step to the provisioning host.
# POSIX sh. Kernel command line: oci.url oci.hostname oci.puppet oci.environment oci.mirror
# oci.release [oci.serial] [oci.generation] [oci.disks=sda[,sdb]] [oci.ipmi=ADDRESS,NETMASK[,GATEWAY]]
# [console=...]; `oci-install.sh bmc` sets the BMC's address only. Environment for
# tests: OCI_PROC (a fixture /proc for the command line), OCI_DISK_PATHS (device paths, overriding
# oci.disks), OCI_TARGET (mount point, default /target), OCI_NO_REBOOT=1, OCI_DEBOOTSTRAP_ARGS
# (e.g. a local cache), OCI_HOOK_DIR (where oci-puppet-running is, default /usr/local/sbin),
# OCI_CONFIGURE_ONLY=1 (configure the Debian already in OCI_TARGET — a container's root, a
# pre-imaged disk — for its machine: network, puppet, token; no disk is touched).
set -eu
PROC=${OCI_PROC:-/proc}
TARGET=${OCI_TARGET:-/target}

arg() { # NAME: the value of NAME=value on the kernel command line
	line=''
	read -r line <"$PROC/cmdline" || true
	set -f
	for w in $line; do case $w in "$1"=*) set +f; printf '%s' "${w#*=}"; return 0 ;; esac; done
	set +f
}
URL=$(arg oci.url)
FQDN=$(arg oci.hostname)
SERIAL=$({ tr -c 'A-Za-z0-9._\n-' '-' </sys/class/dmi/id/product_serial; } 2>/dev/null | head -n 1 | sed 's/^[^A-Za-z0-9]*//' | cut -c 1-64)
SITE_SERIAL=$(arg oci.serial)
SERIAL=${OCI_SERIAL:-${SITE_SERIAL:-${SERIAL:-unknown}}}
GENERATION=$(arg oci.generation)
GENERATION=${GENERATION:-1}
MIRROR=$(arg oci.mirror)
RELEASE=$(arg oci.release)

report() { # STATUS STEP [DETAIL]
	body=$(printf '{"serial":"%s","hostname":"%s","status":"%s","step":"%s","generation":%s,"detail":"%s"}' "$SERIAL" "$FQDN" "$1" "$2" "$GENERATION" "$(printf '%s' "${3:-}" | tr -d '"\\\000-\037\177' | cut -c 1-1500)")
	if command -v curl >/dev/null 2>&1; then curl -fsS -m 20 -H 'Content-Type: application/json' --data-binary "$body" "$URL/api/v1/status" >/dev/null || true
	else timeout 20 wget -q -O /dev/null --header 'Content-Type: application/json' --post-data "$body" "$URL/api/v1/status" || true; fi
}
STEP=start
# Any failure: say which step failed and with what, then stop (the machine stays up for a look).
on_exit() {
	code=$?
	[ "$code" = 0 ] || report install-failed "$STEP" "exit $code: $(tail -c 1400 /tmp/oci-install.log 2>/dev/null)"
}
trap on_exit EXIT
step() { STEP=$1; echo "oci-install: $1"; report installing "$1"; }
run() { "$@" >>/tmp/oci-install.log 2>&1; }
exec 2>>/tmp/oci-install.log # every error message ends in the log whose tail install-failed reports

for required in "$URL" "$FQDN" "$MIRROR" "$RELEASE"; do [ -n "$required" ] || { echo "oci-install: missing oci.* arguments" >&2; exit 2; }; done
case $GENERATION in *[!0-9]*) echo "oci-install: oci.generation=$GENERATION is not a number" >&2; exit 2 ;; esac

fetch() { # URL: its body on stdout, non-zero when it could not be fetched
	if command -v curl >/dev/null 2>&1; then curl -fsS -m 20 "$1"; else timeout 20 wget -q -O - "$1"; fi
}

# The BMC on the address IPAM gave it (oci.ipmi=ADDRESS,NETMASK[,GATEWAY]), set in-band with
# ipmitool when it differs, before the disk is touched: from here on `oci power` reaches the machine,
# even if the install fails. Never fatal: a machine without a BMC installs all the same, and the
# report says what happened. OCI_IPMITOOL (tests): the ipmitool command, e.g. to a BMC over the LAN.
set_bmc() {
	ipmi=$(arg oci.ipmi)
	[ -n "$ipmi" ] || return 0
	step bmc
	want_address=${ipmi%%,*}
	rest=${ipmi#*,}
	want_netmask=${rest%%,*}
	want_gateway=''
	[ "$rest" = "$want_netmask" ] || want_gateway=${rest#*,}
	ipmitool=${OCI_IPMITOOL:-ipmitool}
	if ! command -v "${ipmitool%% *}" >/dev/null 2>&1; then
		report installing bmc "no ipmitool here: the BMC keeps its address"
		return 0
	fi
	# In-band, the kernel's IPMI driver: loaded here, where the live system did not load it. A machine
	# without a BMC fails to load it, and that is no error (set -e must not end the install here).
	if [ -z "${OCI_IPMITOOL:-}" ]; then
		modprobe -q ipmi_si 2>/dev/null || true
		modprobe -q ipmi_devintf 2>/dev/null || true
	fi
	if ! lan=$($ipmitool lan print 1 2>>/tmp/oci-install.log); then
		report installing bmc "no BMC answers in-band: its address is left as it is"
		return 0
	fi
	field() { printf '%s\n' "$lan" | sed -n "s/^$1  *: *//p" | head -n 1; }
	have_address=$(field 'IP Address') have_netmask=$(field 'Subnet Mask') have_gateway=$(field 'Default Gateway IP') have_source=$(field 'IP Address Source')
	if [ "$have_address" = "$want_address" ] && [ "$have_netmask" = "$want_netmask" ] && [ "$have_source" = "Static Address" ] \
		&& { [ -z "$want_gateway" ] || [ "$have_gateway" = "$want_gateway" ]; }; then
		report installing bmc "BMC already at $want_address/$want_netmask${want_gateway:+ via $want_gateway}"
	elif $ipmitool lan set 1 ipsrc static >>/tmp/oci-install.log 2>&1 && $ipmitool lan set 1 ipaddr "$want_address" >>/tmp/oci-install.log 2>&1 \
		&& $ipmitool lan set 1 netmask "$want_netmask" >>/tmp/oci-install.log 2>&1 \
		&& { [ -z "$want_gateway" ] || $ipmitool lan set 1 defgw ipaddr "$want_gateway" >>/tmp/oci-install.log 2>&1; }; then
		report installing bmc "BMC set to $want_address/$want_netmask${want_gateway:+ via $want_gateway} (was ${have_address:-none}/${have_netmask:-none}, ${have_source:-unknown source})"
	else
		report installing bmc "setting the BMC's address failed: $(tail -n 1 /tmp/oci-install.log | cut -c 1-300)"
	fi
}
set_bmc
[ "${1:-}" != bmc ] || exit 0

if [ -z "${OCI_CONFIGURE_ONLY:-}" ]; then
# A disk that already holds this machine's install of this generation (or a later one) is never
# wiped: oci serve lost its state, or a reinstall was not asked for. Say so and boot the disk.
step check
# A RAID-1 root is seen only once its array runs. (Not in tests, which install onto given devices of
# a host whose own arrays must be left alone.)
[ -n "${OCI_DISK_PATHS:-}" ] || mdadm --assemble --scan >>/tmp/oci-install.log 2>&1 || true
for root in $(blkid -t LABEL=oci-root -o device 2>/dev/null); do
	mkdir -p /run/oci-existing
	mount -o ro "$root" /run/oci-existing 2>/dev/null || continue
	have=$(sed -n 's/^OCI_GENERATION=//p' /run/oci-existing/etc/oci/install.env 2>/dev/null)
	name=$(sed -n 's/^OCI_FQDN=//p' /run/oci-existing/etc/oci/install.env 2>/dev/null)
	umount /run/oci-existing
	if [ "$name" = "$FQDN" ] && [ -n "$have" ] && [ "$have" -ge "$GENERATION" ] 2>/dev/null; then
		GENERATION=$have
		STEP=finished
		report installed already-installed "$root holds $FQDN, install generation $have: not wiped"
		[ "${OCI_NO_REBOOT:-}" = 1 ] || reboot
		exit 0
	fi
done

step partition
[ -n "${OCI_DISK_PATHS:-}" ] || mdadm --stop --scan >>/tmp/oci-install.log 2>&1 || true
if [ -n "${OCI_DISK_PATHS:-}" ]; then disks=$(printf '%s' "$OCI_DISK_PATHS" | tr ',' ' ')
elif [ -n "$(arg oci.disks)" ]; then disks=$(arg oci.disks | tr ',' '\n' | sed 's|^|/dev/|' | tr '\n' ' ')
else
	# The first fixed disk with a size: not a loop, RAM, optical, floppy, device-mapper or RAID
	# device, nor removable media (a BMC's virtual USB drive, a stick left in).
	disks=/dev/$(for d in /sys/block/*; do
		case ${d##*/} in loop* | ram* | sr* | fd* | dm-* | md* | zram*) continue ;; esac
		[ "$(cat "$d/removable" 2>/dev/null)" = 1 ] && continue
		[ "$(cat "$d/size" 2>/dev/null)" = 0 ] && continue
		echo "${d##*/}"
	done | head -n 1)
fi
part() { case $1 in *[0-9]) echo "${1}p$2" ;; *) echo "$1$2" ;; esac; } # sda → sda2, nvme0n1/loop0 → …p2
for disk in $disks; do
	# GPT: BIOS boot (GRUB core for legacy boot), EFI system partition, then the system.
	printf 'label: gpt\n,1M,21686148-6449-6E6F-744E-656564454649\n,512M,C12A7328-F81F-11D2-BA4B-00A0C93EC93B\n,,0FC63DAF-8483-4772-8E79-3D69D8477DE4\n' | run sfdisk --wipe always "$disk"
	run partx -u "$disk" || true
done
# The kernel creates the partitions' device nodes asynchronously: wait for them (10 s at most).
for disk in $disks; do
	n=0
	until [ -b "$(part "$disk" 3)" ]; do
		n=$((n + 1))
		[ "$n" -le 100 ] || { echo "oci-install: $(part "$disk" 3) never appeared" >>/tmp/oci-install.log; exit 1; }
		sleep 0.1
	done
done
# shellcheck disable=SC2086 # one word per disk
set -- $disks
if [ $# -eq 2 ]; then
	step raid
	run mdadm --create /dev/md0 --run --level=1 --raid-devices=2 --metadata=1.2 "$(part "$1" 3)" "$(part "$2" 3)"
	root=/dev/md0
else
	root=$(part "$1" 3)
fi
esp=$(part "$1" 2)

step filesystems
run mkfs.ext4 -q -F -L oci-root "$root"
run mkfs.vfat -n OCI-EFI "$esp"
mkdir -p "$TARGET"
run mount "$root" "$TARGET"
mkdir -p "$TARGET/boot/efi"
# A kernel without vfat (some build hosts) cannot mount the ESP: GRUB then writes into the empty
# mount point, and mtools copies that onto the ESP afterwards.
esp_mounted=1
run mount "$esp" "$TARGET/boot/efi" || esp_mounted=0

step debootstrap
# shellcheck disable=SC2086 # OCI_DEBOOTSTRAP_ARGS is a list of options
run debootstrap --include=linux-image-amd64,grub-pc-bin,grub-efi-amd64-bin,grub2-common,puppet,openssh-server,mdadm,curl ${OCI_DEBOOTSTRAP_ARGS:-} "$RELEASE" "$TARGET" "$MIRROR"

fi

step configure
printf '%s\n' "${FQDN%%.*}" >"$TARGET/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s %s\n' "$FQDN" "${FQDN%%.*}" >"$TARGET/etc/hosts"
if [ -z "${OCI_CONFIGURE_ONLY:-}" ]; then
	{
		echo "UUID=$(blkid -s UUID -o value "$root") / ext4 errors=remount-ro 0 1"
		echo "UUID=$(blkid -s UUID -o value "$esp") /boot/efi vfat umask=0077 0 1"
	} >"$TARGET/etc/fstab"
fi
# Every interface of the site (static addresses, VLANs, bonds, MTUs, the default route), as the
# same systemd-networkd files Puppet keeps; without them (links not all known), DHCP on the boot NIC.
mkdir -p "$TARGET/etc/systemd/network"
if fetch "$URL/api/v1/network-config" >/tmp/oci-network.conf 2>>/tmp/oci-install.log; then
	awk -v dir="$TARGET/etc/systemd/network" '/^--- [0-9][0-9]-oci-[A-Za-z0-9._-]+$/ { file = dir "/" $2; printf "" > file; next } file != "" { print >> file }' /tmp/oci-network.conf
	echo "oci-install: network: $(grep -c '^--- ' /tmp/oci-network.conf) systemd-networkd files" >>/tmp/oci-install.log
else
	boot_if=$(ip route show default 2>/dev/null | sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -n 1)
	boot_mac=${OCI_BOOT_MAC:-$(cat "/sys/class/net/${boot_if:-none}/address" 2>/dev/null || true)}
	printf '[Match]\nMACAddress=%s\n\n[Network]\nDHCP=ipv4\n' "$boot_mac" >"$TARGET/etc/systemd/network/50-oci-boot.network"
fi
run chroot "$TARGET" systemctl enable systemd-networkd
# The site's resolvers and search domains, from the network files (networkd alone does not write
# resolv.conf), in the text Puppet's oci::base keeps; else what the live system has.
servers=$(cat "$TARGET"/etc/systemd/network/*-oci-*.network 2>/dev/null | sed -n 's/^DNS=//p')
search=$(cat "$TARGET"/etc/systemd/network/*-oci-*.network 2>/dev/null | sed -n 's/^Domains=//p' | head -n 1)
if [ -n "$servers" ]; then
	{
		[ -z "$search" ] || echo "search $search"
		for server in $servers; do echo "nameserver $server"; done
	} >"$TARGET/etc/resolv.conf"
elif [ -s /etc/resolv.conf ]; then
	cp /etc/resolv.conf "$TARGET/etc/resolv.conf"
fi
mkdir -p "$TARGET/etc/oci"
printf 'OCI_FQDN=%s\nOCI_GENERATION=%s\n' "$FQDN" "$GENERATION" >"$TARGET/etc/oci/install.env"
# The same node.env, hook and puppet.conf settings Puppet keeps (oci::puppet_agent).
printf 'OCI_URL=%s\nOCI_FQDN=%s\nOCI_SERIAL=%s\n' "$URL" "$FQDN" "$SITE_SERIAL" >"$TARGET/etc/oci/node.env"
install -m 0755 "${OCI_HOOK_DIR:-/usr/local/sbin}/oci-puppet-running" "$TARGET/usr/local/sbin/oci-puppet-running"
cat >"$TARGET/etc/puppet/puppet.conf" <<CONF
[main]
server = $(arg oci.puppet)
certname = $FQDN
environment = $(arg oci.environment)

[agent]
prerun_command = /usr/local/sbin/oci-puppet-running
CONF
# Debian's unit orders the agent after network-online.target but does not ask for it: without
# this, the first run can start before the network is up and wait for the next run interval.
mkdir -p "$TARGET/etc/systemd/system/puppet.service.d"
printf '[Unit]\nWants=network-online.target\nAfter=network-online.target\n' >"$TARGET/etc/systemd/system/puppet.service.d/oci.conf"
run chroot "$TARGET" systemctl enable puppet
token=$(fetch "$URL/api/v1/autosign-token") || token=''
[ -n "$token" ] || echo "oci-install: no autosign token; the certificate will wait for manual signing" >&2
printf -- '---\ncustom_attributes:\n  1.2.840.113549.1.9.7: "%s"\n' "$token" >"$TARGET/etc/puppet/csr_attributes.yaml"
chmod 0600 "$TARGET/etc/puppet/csr_attributes.yaml"

if [ -z "${OCI_CONFIGURE_ONLY:-}" ]; then
step bootloader
for fs in dev proc sys; do mount --bind "/$fs" "$TARGET/$fs"; done
# /etc/default/grub comes from grub-pc's maintainer scripts, which debootstrap does not run here.
# The serial console is the last console= naming a serial port (the kernel's /dev/console too).
console=''
read -r line <"$PROC/cmdline" || true
for w in $line; do case $w in console=ttyS* | console=ttyAMA* | console=ttyUSB*) console=${w#console=} ;; esac; done
{
	echo 'GRUB_DEFAULT=0'
	echo 'GRUB_TIMEOUT=5'
	echo 'GRUB_DISTRIBUTOR=Debian'
	echo 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"'
	if [ -n "$console" ]; then
		echo "GRUB_CMDLINE_LINUX=\"console=tty0 console=$console\""
		echo 'GRUB_TERMINAL="console serial"'
		echo "GRUB_SERIAL_COMMAND=\"serial --unit=$(echo "$console" | sed 's/^ttyS\([0-9]*\).*/\1/') --speed=$(echo "$console," | cut -d, -f2 | sed 's/[^0-9].*//;s/^$/115200/')\""
	else
		echo 'GRUB_CMDLINE_LINUX=""'
	fi
} >"$TARGET/etc/default/grub"
for disk in $disks; do run chroot "$TARGET" grub-install --target=i386-pc "$disk"; done
if [ "$esp_mounted" = 1 ]; then
	run chroot "$TARGET" grub-install --target=x86_64-efi --efi-directory=/boot/efi --removable --no-nvram
else
	# grub-install refuses an ESP it cannot see as FAT: build the same removable-path image by hand,
	# with an early config that finds /boot/grub on the system filesystem by UUID.
	uuid=$(blkid -s UUID -o value "$root")
	mkdir -p "$TARGET/boot/grub/x86_64-efi" "$TARGET/boot/efi/EFI/BOOT"
	cp "$TARGET"/usr/lib/grub/x86_64-efi/*.mod "$TARGET"/usr/lib/grub/x86_64-efi/*.lst "$TARGET/boot/grub/x86_64-efi/"
	# shellcheck disable=SC2016 # $root and $prefix are GRUB's variables
	printf 'search --no-floppy --fs-uuid --set=root %s\nset prefix=($root)/boot/grub\nconfigfile $prefix/grub.cfg\n' "$uuid" >"$TARGET/tmp/early.cfg"
	run chroot "$TARGET" grub-mkimage -O x86_64-efi -o /boot/efi/EFI/BOOT/BOOTX64.EFI -c /tmp/early.cfg -p /boot/grub \
		part_gpt part_msdos ext2 fat mdraid1x search search_fs_uuid configfile normal linux echo gzio all_video serial terminal
fi
# grub-mkconfig names the root by UUID only when /dev/disk/by-uuid has it (udev's link): without
# udev (a build host), make the link for the time of update-grub.
uuid_link=/dev/disk/by-uuid/$(blkid -s UUID -o value "$root")
made_link=''
if [ ! -e "$uuid_link" ]; then mkdir -p /dev/disk/by-uuid && ln -s "$root" "$uuid_link" && made_link=1; fi
run chroot "$TARGET" update-grub
[ -z "$made_link" ] || rm -f "$uuid_link"
for fs in sys proc dev; do umount "$TARGET/$fs"; done
if [ "$esp_mounted" = 1 ]; then umount "$TARGET/boot/efi"; else
	run mcopy -s -i "$esp" "$TARGET/boot/efi/EFI" ::/
	rm -rf "${TARGET:?}/boot/efi/EFI"
fi
umount "$TARGET"

fi

STEP=finished
report installed finished
[ "${OCI_NO_REBOOT:-}" = 1 ] || reboot
