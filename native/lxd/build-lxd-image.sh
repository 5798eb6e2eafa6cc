#!/bin/bash
# The session image as an LXD image (the lxd runtime): berth/session from Berth's session engine, with the
# init an LXD system container needs (lxd-init under tini), busybox's DHCP client and its hook. Imported as
# the alias berth-session; skipped when the image with this recipe is there already.
#
#   BERTH_ENGINE_SOCK  the session engine's socket   (default /run/berth/engine.sock)
#   BERTH_SESSION_REF  the session image             (default berth/session:latest)
#   BERTH_LXD_IMAGE    the LXD image's alias          (default berth-session)
#   LXD_DIR            the LXD daemon's folder        (default /var/lib/lxd)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SOCK=${BERTH_ENGINE_SOCK:-/run/berth/engine.sock}
REF=${BERTH_SESSION_REF:-berth/session:latest}
ALIAS=${BERTH_LXD_IMAGE:-berth-session}
log() { printf '[lxd-image] %s\n' "$*"; }
die() { printf '[lxd-image] error: %s\n' "$*" >&2; exit 1; }
dk() { docker -H "unix://$SOCK" "$@"; }

command -v lxc >/dev/null || die "lxc is missing (the lxd runtime's set-up installs Debian's lxd)"
[ -x /bin/busybox ] || die "busybox-static is missing (apt-get install busybox-static)"
id=$(dk image inspect -f '{{.Id}}' "$REF" 2>/dev/null) || die "$REF is not on the session engine (run: npm start)"
recipe=$(cat "$HERE/lxd-init" "$HERE/udhcpc-script" "$HERE/docker-waits" "$0" /bin/busybox | sha256sum | cut -c1-16)
# Both within LXD's description (60 characters kept here): the recipe's hash was once cut off by the image id's
# length, and a changed lxd-init never made a new image.
id=${id#sha256:}
want="berth session ${id:0:24} ${recipe}"
have=$(lxc image list "$ALIAS" -f csv -c d 2>/dev/null | head -1)
if [ "$have" = "$want" ]; then
  log "$ALIAS is up to date"
  exit 0
fi

t0=$SECONDS
work=$(mktemp -d /var/tmp/berth-lxd-image.XXXXXX)
trap 'rm -rf "$work"; [ -n "${cid:-}" ] && dk rm -f "$cid" >/dev/null 2>&1' EXIT
log "exporting $REF…"
cid=$(dk create --network none "$REF")
mkdir "$work/rootfs"
dk export "$cid" | tar -x -C "$work/rootfs" --numeric-owner --xattrs --xattrs-include='*'
r=$work/rootfs
install -D -m 755 "$HERE/lxd-init" "$r/usr/local/lib/berth/lxd-init"
install -D -m 755 "$HERE/udhcpc-script" "$r/usr/local/lib/berth/udhcpc-script"
install -D -m 755 /bin/busybox "$r/usr/local/lib/berth/busybox"
install -D -m 755 "$HERE/docker-waits" "$r/usr/local/bin/docker"
rm -f "$r/sbin/init" "$r/usr/sbin/init"
printf '#!/bin/sh\nexec /usr/bin/tini -s -- /usr/local/lib/berth/lxd-init\n' >"$r/usr/sbin/init"
chmod 755 "$r/usr/sbin/init"
# docker export leaves the files the engine mounts over empty.
: >"$r/etc/hosts"; : >"$r/etc/resolv.conf"; echo berth >"$r/etc/hostname"
cat >"$work/metadata.yaml" <<META
architecture: $(uname -m)
creation_date: $(date +%s)
properties:
  description: "$want"
  os: debian
  release: trixie
META
log "importing it into LXD as $ALIAS…"
tar -C "$work" --numeric-owner --xattrs --xattrs-include='*' -cf "$work/image.tar" metadata.yaml rootfs
old=$(lxc image list "$ALIAS" -f csv -c f 2>/dev/null | head -1)
[ -n "$old" ] && lxc image alias delete "$ALIAS" >/dev/null 2>&1
lxc image import "$work/image.tar" --alias "$ALIAS" >/dev/null
# A member away refuses the delete: the old image is then left (unnamed), and said.
[ -n "$old" ] && { lxc image delete "$old" >/dev/null 2>&1 || log "the previous image $old stays (lxc image delete $old once every member answers)"; }
log "$ALIAS imported ($((SECONDS - t0)) s)"
