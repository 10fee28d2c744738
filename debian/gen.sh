#!/bin/sh
# debian/gen.sh - the package's config, systemd unit and cron file, made
# from etc/'s samples with the Debian paths (run by debian/rules).
set -eu
B=debian/build
mkdir -p "$B"
SUBST="-e s|@BINDIR@|/usr/bin|g -e s|@LIBEXECDIR@|/usr/lib/hookd|g
 -e s|@HOOKD_CONF@|/etc/hookd/hookd.conf|g -e s|@HOOKD_USER@|hookd|g
 -e s|@HOOKD_GROUP@|hookd|g -e s|@DATA_DIR@|/var/lib/hookd/data|g
 -e s|@STATUS_DIR@|/var/lib/hookd/www|g"

# hookd.conf: the sample's safe defaults, the package's directories, and
# syslog (hookd.fcgi's stderr is the web server's error log).
sed -e 's|^data_dir = .*|data_dir = /var/lib/hookd/data|' \
    -e 's|^status_dir = .*|status_dir = /var/lib/hookd/www|' \
    -e 's|^admin_token_file = .*|admin_token_file = /etc/hookd/admin_token|' \
    -e 's|^log = .*|log = syslog|' etc/hookd.conf > "$B/hookd.conf"
grep -q '^data_dir = /var/lib/hookd/data$' "$B/hookd.conf"
grep -q '^log = syslog$' "$B/hookd.conf"

# The sender as a service: the sample for --loop, without its Conflicts=
# on the sample timer units (not in the package).
sed $SUBST -e '/^Conflicts=/d' -e '/^# One sender is enough/d' \
    -e 's|^# Install: fill them in.*|# Installed by the hookd package.|' \
    -e '/^#   systemctl daemon-reload/d' \
    etc/systemd/hookd-send-loop.service > debian/hookd.hookd-send.service

# The replication process: installed, not enabled (only replicated sites
# run it: docs/operations.md "Replication").
sed $SUBST -e 's|^# Install: fill them in.*|# Installed by the hookd package, not enabled.|' \
    -e 's|^#   systemctl daemon-reload.*|#   enable: systemctl enable --now hookd-repl.service|' \
    etc/systemd/hookd-repl.service > debian/hookd.hookd-repl.service

# cron, inactive: the job line commented out.
{
	echo "# Inactive: the hookd-send service (systemctl status hookd-send)"
	echo "# delivers.  To run passes from cron instead, stop and disable the"
	echo "# service, then remove the '#' before the job line at the end."
	echo "#"
	sed $SUBST -e 's|^\(\* \* \* \* \*\)|#\1|' etc/cron/hookd-send
} > debian/hookd.cron.d
if grep -n '@[A-Z_]*@' "$B/hookd.conf" debian/hookd.hookd-send.service \
    debian/hookd.hookd-repl.service \
    debian/hookd.cron.d >&2; then
	echo "gen.sh: placeholders left" >&2
	exit 1
fi
