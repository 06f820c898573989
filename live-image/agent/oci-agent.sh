#!/bin/sh
# oci discovery agent: reports this machine's hardware to the provisioning host as JSON
# (schemas/discovered-hardware.schema.json), then polls for what to do. POSIX sh: dash and busybox ash.
# Kernel command line: oci.url=http://HOST[:PORT]. Environment for tests: OCI_SYS, OCI_PROC (fixture
# trees), OCI_URL, OCI_MAX_TRIES; `oci-agent.sh print` prints the report instead of sending it.
set -u
SYS=${OCI_SYS:-/sys}
PROC=${OCI_PROC:-/proc}

first_line() { if [ -r "$1" ]; then head -n 1 "$1" 2>/dev/null | tr -d '\r\n'; fi; }
# A JSON string: quotes and backslashes escaped, control characters dropped.
str() { printf '"%s"' "$(printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
is_uint() { case $1 in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }
arg() { # NAME: the value of NAME=value on the kernel command line
	line=''
	read -r line <"$PROC/cmdline" 2>/dev/null || true
	set -f
	for w in $line; do case $w in "$1"=*) set +f; printf '%s' "${w#*=}"; return 0 ;; esac; done
	set +f
}

nics() {
	sep=''
	for dev in "$SYS"/class/net/*; do
		name=${dev##*/}
		[ "$name" = lo ] && continue
		[ -e "$dev/device" ] || continue # bridges, bonds, tunnels: not hardware
		mac=$(first_line "$dev/address")
		printf '%s{"name":%s,"mac":%s' "$sep" "$(str "$name")" "$(str "$mac")"
		speed=$(first_line "$dev/speed")
		if is_uint "$speed" && [ "$speed" -gt 0 ]; then printf ',"speedMbps":%s' "$speed"; fi
		case $(first_line "$dev/carrier") in 1) printf ',"link":true' ;; 0) printf ',"link":false' ;; esac
		if command -v lldpctl >/dev/null 2>&1; then
			kv=$(lldpctl -f keyvalue "$name" 2>/dev/null)
			chassis=$(printf '%s\n' "$kv" | sed -n "s/^lldp\.$name\.chassis\.name=//p" | head -n 1)
			port=$(printf '%s\n' "$kv" | sed -n "s/^lldp\.$name\.port\.ifname=//p" | head -n 1)
			if [ -n "$chassis$port" ]; then printf ',"lldp":{"chassis":%s,"port":%s}' "$(str "$chassis")" "$(str "$port")"; fi
		fi
		printf '}'
		sep=','
	done
}

disks() {
	sep=''
	for dev in "$SYS"/block/*; do
		name=${dev##*/}
		case $name in loop* | ram* | sr* | dm-* | md* | zram* | nbd* | fd*) continue ;; esac
		sectors=$(first_line "$dev/size")
		is_uint "$sectors" || continue
		printf '%s{"name":%s,"sizeBytes":%s' "$sep" "$(str "$name")" "$((sectors * 512))"
		model=$(first_line "$dev/device/model" | sed 's/ *$//')
		[ -n "$model" ] && printf ',"model":%s' "$(str "$model")"
		case $(first_line "$dev/queue/rotational") in 1) printf ',"rotational":true' ;; 0) printf ',"rotational":false' ;; esac
		printf '}'
		sep=','
	done
}

# The DMI serial, reduced to what the schema allows; without one, the first NIC's MAC.
serial() {
	s=$(first_line "$SYS/class/dmi/id/product_serial" | tr -c 'A-Za-z0-9._\n-' '-' | sed 's/^[^A-Za-z0-9]*//' | cut -c 1-64)
	case $s in '' | Not-Specified* | To-Be-Filled* | Default-string*) s=$(nics | sed -n 's/^{[^}]*"mac":"\([^"]*\)".*/\1/p' | tr -d ':') ;; esac
	printf '%s' "$s"
}

report() {
	printf '{"serial":%s' "$(str "$SERIAL")"
	uuid=$(first_line "$SYS/class/dmi/id/product_uuid" | tr 'A-F' 'a-f')
	case $uuid in ????????-????-????-????-????????????) printf ',"uuid":%s' "$(str "$uuid")" ;; esac
	vendor=$(first_line "$SYS/class/dmi/id/sys_vendor")
	[ -n "$vendor" ] && printf ',"vendor":%s' "$(str "$vendor")"
	product=$(first_line "$SYS/class/dmi/id/product_name")
	[ -n "$product" ] && printf ',"product":%s' "$(str "$product")"
	model=$(sed -n 's/^model name[[:space:]]*: *//p' "$PROC/cpuinfo" 2>/dev/null | head -n 1)
	count=$(grep -c '^processor' "$PROC/cpuinfo" 2>/dev/null)
	if is_uint "$count" && [ "$count" -gt 0 ]; then printf ',"cpu":{"model":%s,"count":%s}' "$(str "${model:-unknown}")" "$count"; fi
	kib=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' "$PROC/meminfo" 2>/dev/null)
	is_uint "$kib" && printf ',"ramMiB":%s' "$((kib / 1024))"
	printf ',"disks":[%s],"nics":[%s]' "$(disks)" "$(nics)"
	if command -v ipmitool >/dev/null 2>&1; then
		bmc=$(ipmitool lan print 2>/dev/null | sed -n 's/^IP Address  *: *//p' | head -n 1)
		case $bmc in '' | 0.0.0.0) ;; *) printf ',"ipmi":{"address":%s}' "$(str "$bmc")" ;; esac
	fi
	printf '}\n'
}

# HTTP with whichever client the image has; busybox wget's own -T crashes, so timeout(1) bounds it.
http() { # URL [BODY]
	if command -v curl >/dev/null 2>&1; then
		if [ $# -gt 1 ]; then curl -fsS -m 20 -H 'Content-Type: application/json' --data-binary "$2" "$1"; else curl -fsS -m 20 "$1"; fi
	elif [ $# -gt 1 ]; then
		timeout 20 wget -q -O - --header 'Content-Type: application/json' --post-data "$2" "$1"
	else
		timeout 20 wget -q -O - "$1"
	fi
}

# Tries until the server answers, waiting 1, 2, 4 … 60 s between tries.
with_retries() {
	tries=0 delay=1
	until "$@"; do
		tries=$((tries + 1))
		if [ "$tries" -ge "${OCI_MAX_TRIES:-1000000}" ]; then return 1; fi
		echo "oci-agent: no answer from the provisioning host; retrying in ${delay}s" >&2
		sleep "$delay"
		delay=$((delay * 2)); [ "$delay" -gt 60 ] && delay=60
	done
}

SERIAL=$(serial)
if [ "${1:-}" = print ]; then report; exit 0; fi
URL=${OCI_URL:-$(arg oci.url)}
[ -n "$URL" ] || { echo "oci-agent: no oci.url= on the kernel command line" >&2; exit 2; }
with_retries http "$URL/api/v1/discovery" "$(report)" >/dev/null || exit 1
echo "oci-agent: reported $SERIAL to $URL"
# Instructions: wait (not assigned yet), or reboot (assigned: the next PXE boot installs it).
while :; do
	action=$(with_retries http "$URL/api/v1/instructions/$SERIAL" | sed -n 's/.*"action":"\([a-z]*\)".*/\1/p')
	case $action in
	reboot) echo "oci-agent: assigned; rebooting to install"; exit 10 ;;
	poweroff) exit 11 ;;
	esac
	sleep "${OCI_POLL_SECONDS:-10}"
done
