#!/bin/sh
# The layer a VM node of npm run test:cloud adds on the containers' root (build-cloud-root.sh):
# Debian's kernel and its initramfs (a VM boots them; a container has the host's), tgt (cinder's
# iSCSI target on LVM, put there ahead of time like every other package) and OpenSSH (the
# operator's console on the node). Written as an overlay upper layer: only what it adds.
# Usage: build-vm-layer.sh ROOT LAYER
set -eu
ROOT=$1
LAYER=$2
WORK=$(mktemp -d)
mkdir -p "$LAYER" "$WORK/work" "$WORK/merged"
mount -t overlay overlay -o "lowerdir=$ROOT,upperdir=$LAYER,workdir=$WORK/work" "$WORK/merged"
M=$WORK/merged
cleanup() {
	umount "$M/proc" "$M/sys" "$M/dev" 2>/dev/null || true
	umount "$M" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
mount --bind /proc "$M/proc"
mount --bind /sys "$M/sys"
mount --bind /dev "$M/dev"
printf '#!/bin/sh\nexit 101\n' >"$M/usr/sbin/policy-rc.d"
chmod 755 "$M/usr/sbin/policy-rc.d"
find "$M/etc/systemd/system" -path '*.wants/*' -name '*.service' -printf '%f\n' | sort -u >"$WORK/wanted-before"
chroot "$M" sh -c 'DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends linux-image-amd64 initramfs-tools tgt openssh-server'
rm -f "$M/usr/sbin/policy-rc.d"
# tgt is Puppet's to start, as on the containers; sshd is the console and stays.
find "$M/etc/systemd/system" -path '*.wants/*' -name '*.service' -printf '%f\n' | sort -u | comm -13 "$WORK/wanted-before" - |
	while read -r unit; do [ "$unit" = ssh.service ] || systemctl --root="$M" disable "$unit" >/dev/null 2>&1 || true; done
# The disks are virtio (vda the root, vdb on for the volume group); serial console for the test's log.
echo 'root=/dev/vda rw console=ttyS0' >"$M/etc/kernel-cmdline"
ls "$M"/boot/vmlinuz-* "$M"/boot/initrd.img-* >/dev/null
