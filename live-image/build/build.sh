#!/bin/sh
# Builds the real discovery live image with Debian's live-build: a bookworm system booted over the
# network (kernel + initrd by iPXE, the squashfs fetched over HTTP by live-boot's fetch=), which
# runs the discovery agent, or the installer when the install script says oci.mode=install.
# Usage: build.sh OUT [MIRROR]    Needs root and the live-build package. OUT gets vmlinuz,
# initrd.img and filesystem.squashfs: what `oci serve --live-dir OUT` serves under /live/.
set -eu
OUT=$1
MIRROR=${2:-http://deb.debian.org/debian}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'cd "$WORK" && lb clean --purge >/dev/null 2>&1; cd / && rm -rf "$WORK"' EXIT
cp -a "$HERE/config" "$WORK/config"
mkdir -p "$WORK/config/includes.chroot/usr/local/sbin"
cp "$HERE/../agent/oci-agent.sh" "$WORK/config/includes.chroot/usr/local/sbin/oci-agent"
cp "$HERE/../installer/oci-install.sh" "$WORK/config/includes.chroot/usr/local/sbin/oci-install"
cp "$HERE/oci-live" "$WORK/config/includes.chroot/usr/local/sbin/oci-live"
# The Puppet agent's prerun hook: the installer copies it onto the installed system, Puppet keeps it.
cp "$HERE/../../puppet/modules/oci/files/oci-puppet-running" "$WORK/config/includes.chroot/usr/local/sbin/oci-puppet-running"
chmod 0755 "$WORK/config/includes.chroot/usr/local/sbin/"*
cd "$WORK"
lb config --distribution bookworm --archive-areas main --binary-images netboot \
	--mirror-bootstrap "$MIRROR" --mirror-chroot "$MIRROR" --mirror-binary "$MIRROR" \
	--mirror-chroot-security http://deb.debian.org/debian-security --mirror-binary-security http://deb.debian.org/debian-security \
	--apt-indices false --apt-recommends false --debian-installer none --memtest none --firmware-chroot false \
	--bootappend-live "boot=live components quiet" >/dev/null
lb build
# A netboot build puts the kernel and initrd under tftpboot/live/, the squashfs under binary/live/.
mkdir -p "$OUT"
for wanted in vmlinuz initrd.img filesystem.squashfs; do
	found=$(find binary tftpboot -path '*/live/*' -name "$wanted*" -type f 2>/dev/null | sort | head -n 1)
	[ -n "$found" ] || { echo "build.sh: no $wanted in the build" >&2; exit 1; }
	cp "$found" "$OUT/$wanted"
done
ls -l "$OUT"
