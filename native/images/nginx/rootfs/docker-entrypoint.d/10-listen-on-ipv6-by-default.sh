#!/bin/sh
# Also listen on [::]:80 when the container has IPv6 and default.conf is still the image's own.
set -e
conf=/etc/nginx/conf.d/default.conf
[ -f /proc/net/if_inet6 ] || { echo "$0: info: IPv6 not available"; exit 0; }
[ -f "$conf" ] || { echo "$0: info: $conf is not a file or does not exist"; exit 0; }
[ -w "$conf" ] || { echo "$0: info: can not modify $conf (read-only file system?)"; exit 0; }
if ! cmp -s "$conf" /usr/share/nginx/default.conf; then
  echo "$0: info: $conf differs from the packaged version"
  exit 0
fi
sed -i -E 's,^(\s*listen\s+)80;,&\n\1[::]:80;,' "$conf"
echo "$0: info: Enabled listen on IPv6 in $conf"
