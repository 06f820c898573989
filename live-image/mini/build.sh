#!/bin/sh
# Builds oci's test boot image into OUT: vmlinuz (Debian's kernel) and initrd.img (Debian's
# busybox-static, the network driver modules qemu needs, and the discovery agent), both taken
# from Debian packages with `apt-get download` + `dpkg -x`, nothing installed.
# Usage: build.sh OUT [CACHE]   (CACHE keeps the downloaded .deb files; default /var/cache/oci-mini)
set -eu
OUT=$1
CACHE=${2:-/var/cache/oci-mini}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT" "$CACHE"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

kernel=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1)
[ -n "$kernel" ] || { echo "build.sh: cannot find the kernel package linux-image-amd64 depends on" >&2; exit 1; }
for package in "$kernel" busybox-static; do
	if ! ls "$CACHE/${package}_"*.deb >/dev/null 2>&1; then (cd "$CACHE" && apt-get download "$package" >/dev/null); fi
	for deb in "$CACHE/${package}_"*.deb; do :; done
	dpkg -x "$deb" "$WORK/pkg"
done

root=$WORK/root
mkdir -p "$root/bin" "$root/etc" "$root/proc" "$root/sys" "$root/dev" "$root/lib/modules" "$root/tmp"
cp "$WORK/pkg/bin/busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh" # /init's interpreter; /init links the other applets
# e1000 (qemu's default NIC, Debian's iPXE ROM) needs nothing else; virtio-net needs its chain.
for module in e1000 failover net_failover virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_net; do
	find "$WORK/pkg/lib/modules" -name "$module.ko" -exec cp {} "$root/lib/modules/" \;
done
cp "$HERE/init" "$root/init"
cp "$HERE/udhcpc.script" "$root/etc/udhcpc.script"
cp "$HERE/../agent/oci-agent.sh" "$root/bin/oci-agent"
chmod 0755 "$root/init" "$root/etc/udhcpc.script" "$root/bin/oci-agent"
# insmod takes the modules in this order: dependencies first (virtio uses virtio_ring's virtio_break_device: Linux 6.1's modules.dep).
n=10
for m in failover net_failover virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_net e1000; do
	if [ -f "$root/lib/modules/$m.ko" ]; then mv "$root/lib/modules/$m.ko" "$root/lib/modules/$n-$m.ko"; n=$((n + 1)); fi
done
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet --reproducible) | gzip -9n >"$OUT/initrd.img"
cp "$WORK/pkg/boot/vmlinuz-"* "$OUT/vmlinuz"
echo "build.sh: $OUT/vmlinuz ($kernel), $OUT/initrd.img ($(wc -c <"$OUT/initrd.img") bytes)"
