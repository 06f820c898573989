#!/bin/sh
# Installs oci on a provisioning host, from the checkout this script is in (after `npm ci &&
# npm run build`). Run as root; running it again changes only what is missing or out of date, and
# never overwrites /etc/default/oci or the site's data.
#
#   sudo deploy/install.sh
#
# It creates the oci system user and group and its directories, installs the program in
# /opt/oci with the `oci` command and puppetserver's two hooks in /usr/local/bin, the systemd
# unit and /etc/default/oci (when absent), the Puppet module oci, and gives each side the access
# it needs: the oci user reads puppetserver's eyaml private key (group puppet) and writes the
# puppet environments; the puppet user, which runs the hooks, reads oci's state (group oci).
# With puppetserver installed, it also sets the [server] hooks and the report URL in puppet.conf
# and puts hiera-eyaml on puppetserver's Ruby load path.
#
# For tests (or a staged install): OCI_ROOT prefixes every path, OCI_USER names the user and group
# (default oci), OCI_PUPPET_USER the user puppetserver runs as (default puppet).
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
ROOT=${OCI_ROOT:-}
USER_NAME=${OCI_USER:-oci}
PUPPET_USER=${OCI_PUPPET_USER:-puppet}
say() { echo "oci install: $*"; }

[ "$(id -u)" = 0 ] || { echo "oci install: run as root" >&2; exit 2; }
[ -f "$HERE/dist/cli/main.js" ] || { echo "oci install: build first: (cd $HERE && npm ci && npm run build)" >&2; exit 2; }
getent passwd "$PUPPET_USER" >/dev/null || { echo "oci install: no user $PUPPET_USER: install puppetserver first (apt-get install puppetserver hiera-eyaml)" >&2; exit 2; }
PUPPET_GROUP=$(id -gn "$PUPPET_USER")

# The user the daemon runs as (deploy/oci.service: User=oci), in puppetserver's group to read the
# eyaml private key; the puppet user joins oci's group to read the daemon's state in the hooks.
getent group "$USER_NAME" >/dev/null || groupadd --system "$USER_NAME"
getent passwd "$USER_NAME" >/dev/null || useradd --system --gid "$USER_NAME" --home-dir "$ROOT/var/lib/oci" --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
id -nG "$USER_NAME" | tr ' ' '\n' | grep -qx "$PUPPET_GROUP" || usermod -a -G "$PUPPET_GROUP" "$USER_NAME"
id -nG "$PUPPET_USER" | tr ' ' '\n' | grep -qx "$USER_NAME" || usermod -a -G "$USER_NAME" "$PUPPET_USER"

# Directories: state (the unit's StateDirectory= makes it too), the site repository, keystore and
# live image under /srv/oci, the puppet environments oci publishes into.
install -d -o "$USER_NAME" -g "$USER_NAME" -m 0750 "$ROOT/var/lib/oci" "$ROOT/srv/oci" "$ROOT/srv/oci/live"
install -d -m 0755 "$ROOT/etc/puppet/code" "$ROOT/etc/puppet/code/modules"
install -d -o "$USER_NAME" -g "$USER_NAME" -m 0755 "$ROOT/etc/puppet/code/environments"
production=$ROOT/etc/puppet/code/environments/production
if [ -d "$production" ] && [ ! -L "$production" ]; then
	# oci owns this path as a symlink to the release it published; an empty directory is replaced.
	if rmdir "$production" 2>/dev/null; then
		say "removed the empty $production (oci publishes it)"
	else
		say "WARNING: $production is a directory with files; move it away, oci publishes each release there as a symlink"
	fi
fi
# puppetserver wants the environment to exist when it starts, before oci published anything: an
# empty version oci replaces with its first release (it owns the link, never a real directory).
if [ ! -e "$production" ] && [ ! -L "$production" ]; then
	versions=$ROOT/etc/puppet/code/environments/.production.versions
	install -d -o "$USER_NAME" -g "$USER_NAME" -m 0755 "$versions" "$versions/none"
	ln -s .production.versions/none "$production"
	chown -h "$USER_NAME:$USER_NAME" "$production"
fi
# puppetserver's eyaml keys: readable by its group, so by oci (autosign tokens for installers).
keys=$ROOT/etc/puppet/keys
if [ -d "$keys" ]; then
	chgrp "$PUPPET_GROUP" "$keys" && chmod 0750 "$keys"
	for key in "$keys"/*.pem; do [ -f "$key" ] && chgrp "$PUPPET_GROUP" "$key" && chmod 0640 "$key"; done
else
	say "no $keys yet: create the eyaml keys (eyaml createkeys --pkcs7-private-key=$keys/private_key.pkcs7.pem --pkcs7-public-key=$keys/public_key.pkcs7.pem), then run this again"
fi

# The program: a copy of this checkout's build, the command, the hooks, the unit, the settings.
install -d -m 0755 "$ROOT/opt/oci"
for part in package.json dist node_modules schemas ui puppet live-image deploy; do
	rm -rf "$ROOT/opt/oci/$part.new"
	cp -a "$HERE/$part" "$ROOT/opt/oci/$part.new"
	rm -rf "$ROOT/opt/oci/$part"
	mv "$ROOT/opt/oci/$part.new" "$ROOT/opt/oci/$part"
done
chmod -R go+rX "$ROOT/opt/oci"
install -d -m 0755 "$ROOT/usr/local/bin" "$ROOT/etc/default" "$ROOT/etc/systemd/system"
printf '#!/bin/sh\nexec %s %s "$@"\n' "$(command -v node)" "$ROOT/opt/oci/dist/cli/main.js" >"$ROOT/usr/local/bin/oci.new"
chmod 0755 "$ROOT/usr/local/bin/oci.new" && mv "$ROOT/usr/local/bin/oci.new" "$ROOT/usr/local/bin/oci"
for hook in oci-enc oci-autosign; do
	sed "s#/etc/default/oci#$ROOT/etc/default/oci#g; s#/usr/local/bin/oci #$ROOT/usr/local/bin/oci #" "$HERE/deploy/$hook" >"$ROOT/usr/local/bin/$hook.new"
	chmod 0755 "$ROOT/usr/local/bin/$hook.new" && mv "$ROOT/usr/local/bin/$hook.new" "$ROOT/usr/local/bin/$hook"
done
if [ ! -e "$ROOT/etc/default/oci" ]; then
	install -m 0644 "$HERE/deploy/oci.default" "$ROOT/etc/default/oci"
	say "wrote $ROOT/etc/default/oci: set OCI_LISTEN to this host's address on the PXE network"
fi
sed "s#/usr/local/bin/oci #$ROOT/usr/local/bin/oci #; s#^User=oci#User=$USER_NAME#; s#^Group=oci#Group=$USER_NAME#" "$HERE/deploy/oci.service" >"$ROOT/etc/systemd/system/oci.service"
ln -sfn "$ROOT/opt/oci/puppet/modules/oci" "$ROOT/etc/puppet/code/modules/oci"

# puppetserver: the ENC and autosign hooks, reports to oci serve, hiera-eyaml for JRuby.
conf=$ROOT/etc/puppet/puppet.conf
if [ -e "$ROOT/etc/puppet/puppetserver/conf.d/puppetserver.conf" ] && command -v puppet >/dev/null; then
	set -a
	# shellcheck source=/dev/null
	. "$ROOT/etc/default/oci"
	set +a
	listen=${OCI_LISTEN:-127.0.0.1}
	[ "$listen" = 0.0.0.0 ] && listen=127.0.0.1
	for setting in "node_terminus exec" "external_nodes $ROOT/usr/local/bin/oci-enc" "autosign $ROOT/usr/local/bin/oci-autosign" \
		"reports http" "reporturl http://$listen:${OCI_HTTP_PORT:-80}/api/v1/puppet-report"; do
		# shellcheck disable=SC2086 # name and value
		puppet config set --config "$conf" --section server $setting
	done
	eyaml_lib=$(dpkg -L hiera-eyaml 2>/dev/null | sed -n 's#/hiera/backend/eyaml\.rb$##p' | head -n 1)
	psconf=$ROOT/etc/puppet/puppetserver/conf.d/puppetserver.conf
	if [ -n "$eyaml_lib" ] && ! grep -q "$eyaml_lib" "$psconf"; then
		sed -i "s#^\(\s*ruby-load-path: \[\)\(.*\)\]#\1\2, $eyaml_lib]#" "$psconf"
		say "added $eyaml_lib to puppetserver's ruby-load-path (eyaml_lookup_key)"
	fi
else
	say "no puppetserver here: set node_terminus, external_nodes, autosign, reports and reporturl in its puppet.conf [server] (README)"
fi
if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
say "done. Next: edit /etc/default/oci, then as $USER_NAME: oci pki init --keystore $ROOT/srv/oci/keystore; systemctl enable --now oci"
