#!/bin/bash
# The lxd runtime's host, on one machine: Debian's lxd, its daemon, and what Berth's sandboxes need of it.
#   lxd-host.sh up    installs lxd (Debian's 5.0), starts its daemon (no systemd here: a background process),
#                     makes the storage pool, the sandboxes' bridge and its firewall, and imports the session image
#   lxd-host.sh packages  only installs the packages and sets the uid ranges (lxd-cluster.sh's members)
#   lxd-host.sh daemon    starts this machine's LXD daemon unless it answers (berth cluster join)
#   lxd-host.sh down  stops the daemon and takes it all off the host again (packages, data, uid ranges)
#
#   BERTH_LXD_POOL_SIZE  the pool's loop file (default 30GiB)       BERTH_SERVICE_IP  the mirror's address
#   BERTH_LXD_SUBNET     the sandboxes' bridge (default 10.217.0.1/16)
# The bridge is lxdberth0: Berth's own firewall matches names that start with "berth", LXD's bridge is not one.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
export LXD_DIR=${LXD_DIR:-/var/lib/lxd}
POOL=berth
NET=lxdberth0
SERVICE_IP=${BERTH_SERVICE_IP:-198.18.0.1}
PACKAGES=(lxd lxd-client btrfs-progs dnsmasq-base squashfs-tools xz-utils rsync)
log() { printf '[lxd] %s\n' "$*"; }
die() { printf '[lxd] error: %s\n' "$*" >&2; exit 1; }

daemon_pid() {
  for p in /proc/[0-9]*; do
    cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline")
    # Not a member of the tests' cluster (lxd-cluster.sh: its daemons log below their own LXD_DIR).
    [ "${cmd%% *}" = /usr/bin/lxd ] && [[ $cmd != *berth-lxd-cluster* ]] && { echo "${p#/proc/}"; return; }
  done
  return 0
}

# Debian's lxd and what it needs, and the uid ranges its daemons read when they start.
packages() {
  [ "$(id -u)" = 0 ] || die "run as root"
  missing=()
  for p in "${PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
  if ((${#missing[@]})); then
    log "installing ${missing[*]} (apt-get)…"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/var/log/berth-lxd-apt.log 2>&1 \
      || { tail -20 /var/log/berth-lxd-apt.log >&2; die "apt-get install ${missing[*]} failed"; }
    [[ " ${missing[*]} " == *" lxd "* ]] && mkdir -p "$LXD_DIR" && printf '%s\n' "${missing[@]}" >"$LXD_DIR/berth-installed-lxd"
  fi
  # Room for a uid range of 65536 per sandbox (security.idmap.isolated): Debian's lxd gives root 10 million
  # ids (152 sandboxes); 1000 million hold 15258. Read by the daemon when it starts.
  for f in /etc/subuid /etc/subgid; do
    grep -qx 'root:1000000:1000000000' "$f" || { sed -i '/^root:/d' "$f"; echo 'root:1000000:1000000000' >>"$f"; }
  done
}

# This machine's LXD daemon, answering: started as a background process unless one answers already (a
# machine with systemd starts Debian's lxd.service itself when the package is installed).
daemon() {
  if ! lxd waitready --timeout 1 >/dev/null 2>&1 && [ -z "$(daemon_pid)" ]; then
    log "starting the LXD daemon…"
    mkdir -p /var/log/lxd
    setsid nohup /usr/bin/lxd --group root --logfile /var/log/lxd/lxd.log </dev/null >/dev/null 2>&1 &
  fi
  lxd waitready --timeout 60 || die "the LXD daemon did not answer in 60 s (/var/log/lxd/lxd.log)"
}

up() {
  packages
  daemon
  "$HERE/lxd-member.sh" pool-and-network
  firewall
  # LXD's own image server is out of reach here (and never wanted): no remote is tried.
  lxc remote remove images >/dev/null 2>&1 || true
  "$HERE/build-lxd-image.sh"
  log "ready: pool $POOL, network $NET (firewall chain $CHAIN)"
}

# Sandboxes may reach the host's DHCP server, the mirror, the registry cache and the package cache; nothing
# else of the host, nothing beyond it (no forwarding), and not each other (the NICs' port isolation). The host
# reaches them (port links): their answers are established connections.
CHAIN=LXDBERTH-INPUT
firewall() {
  for t in iptables ip6tables; do
    $t -w -N "$CHAIN" 2>/dev/null || $t -w -F "$CHAIN"
    while $t -w -D INPUT -i "$NET" -j "$CHAIN" 2>/dev/null; do :; done
    while $t -w -D FORWARD -i "$NET" -j REJECT 2>/dev/null; do :; done
    while $t -w -D FORWARD -o "$NET" -j REJECT 2>/dev/null; do :; done
    $t -w -I INPUT 1 -i "$NET" -j "$CHAIN"
    $t -w -I FORWARD 1 -i "$NET" -j REJECT
    $t -w -I FORWARD 1 -o "$NET" -j REJECT
    $t -w -A "$CHAIN" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
  done
  iptables -w -A "$CHAIN" -p udp --dport 67 -j ACCEPT
  iptables -w -A "$CHAIN" -d "$SERVICE_IP" -p tcp -m multiport --dports 5000,5002,3142 -j ACCEPT
  for t in iptables ip6tables; do
    $t -w -A "$CHAIN" -p tcp -j REJECT --reject-with tcp-reset
    $t -w -A "$CHAIN" -j REJECT
  done
}

firewall_down() {
  for t in iptables ip6tables; do
    while $t -w -D INPUT -i "$NET" -j "$CHAIN" 2>/dev/null; do :; done
    while $t -w -D FORWARD -i "$NET" -j REJECT 2>/dev/null; do :; done
    while $t -w -D FORWARD -o "$NET" -j REJECT 2>/dev/null; do :; done
    $t -w -F "$CHAIN" 2>/dev/null; $t -w -X "$CHAIN" 2>/dev/null
  done
  return 0
}

down() {
  if command -v lxc >/dev/null && [ -n "$(daemon_pid)" ]; then
    for i in $(lxc list -f csv -c n 2>/dev/null); do lxc delete -f "$i" >/dev/null 2>&1 || true; done
    # A member of a cluster (berth cluster join) leaves it first, so the others do not wait for it.
    timeout 90 "$HERE/lxd-member.sh" leave || log "could not leave the cluster: remove this member on another (lxc cluster remove --force NAME)"
    lxd shutdown --timeout 30 >/dev/null 2>&1 || true
  fi
  pid=$(daemon_pid); [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  for p in /proc/[0-9]*; do
    tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qE '^(\[lxc monitor\]|/usr/lib/x86_64-linux-gnu/lxc/lxc-monitord|lxcfs|dnsmasq .*lxdberth0)' && kill -KILL "${p#/proc/}" 2>/dev/null
  done
  for m in $(findmnt -rn -o TARGET | grep "^$LXD_DIR" | sort -r); do umount -l "$m" 2>/dev/null; done
  losetup -nO NAME,BACK-FILE 2>/dev/null | awk -v d="$LXD_DIR/" 'index($2, d) == 1 {print $1}' | while read -r dev; do losetup -d "$dev" 2>/dev/null || true; done
  installed=()
  # What `up` installed that a fresh machine lacks (the libraries they pulled in but these are left).
  for p in lxd lxd-client lxd-agent liblxc1 liblxc-common lxcfs libdqlite0 libraft2 btrfs-progs dnsmasq-base squashfs-tools rsync; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' && installed+=("$p"); done
  ((${#installed[@]})) && DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "${installed[@]}" >/dev/null 2>&1
  rm -rf "$LXD_DIR" /var/log/lxd /var/cache/lxd
  ip link del "$NET" 2>/dev/null || true
  firewall_down
  "$HERE/lxd-member.sh" firewall-down
  sed -i '/^_lxd:/d; /^root:/d' /etc/subuid /etc/subgid 2>/dev/null
  userdel _lxd 2>/dev/null; groupdel lxd 2>/dev/null
  return 0
}

case "${1:-}" in
  up) up ;;
  packages) packages ;;
  daemon) daemon ;;
  down) down ;;
  *) echo "usage: $0 up|packages|daemon|down" >&2; exit 2 ;;
esac
