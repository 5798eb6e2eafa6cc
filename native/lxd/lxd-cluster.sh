#!/bin/bash
# A real LXD cluster of three members on this one machine, for the tests and the bench (issue 17): each member is
# Debian's lxd in a network namespace and a mount namespace of its own (the method of LXD's own test suite:
# /sys mounted again for the namespace's interfaces, the cgroup tree put back below it), its own LXD_DIR, and
# an address on a host bridge. The members are the machines; Berth's server, here on the host, reaches them
# only by the first member's API socket, as a Berth server on a machine of its own would.
#   lxd-cluster.sh up             forms the cluster (lxd-host.sh up first: packages, the session image)
#   lxd-cluster.sh down           stops the members and removes them, their namespaces and the host bridge
#   lxd-cluster.sh kill N         kills member N's daemon (its sandboxes keep running, as on a machine whose
#                                 LXD crashed); start N starts it again
#   lxd-cluster.sh bare N         a machine for `berth cluster join` (its namespaces and LXD, not joined);
#                                 drop N removes member N from the cluster and the machine again
#   lxd-cluster.sh socket         prints the first member's API socket (BERTH_LXD_SOCKET)
# Each member: network namespace lxdmN, address 10.218.0.1N on the host bridge lxdclu0 (10.218.0.1/24), the
# sandboxes' bridge lxdberth0 (the same 10.217/16 on every member, as on separate machines), its sandboxes'
# traffic NATed to the host's mirror and caches and nowhere else (Berth's chain LXDBERTH-FORWARD in the member).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=/var/lib/berth-lxd-cluster
HOSTBR=lxdclu0
HOSTNET=10.218.0
SERVICE_IP=${BERTH_SERVICE_IP:-198.18.0.1}
MEMBERS=(1 2 3)
NET=lxdberth0
POOL_SIZE=${BERTH_LXD_POOL_SIZE:-12GiB}
log() { printf '[lxd-cluster] %s\n' "$*"; }
die() { printf '[lxd-cluster] error: %s\n' "$*" >&2; exit 1; }

dir() { echo "$ROOT/m$1"; }
ns() { echo "lxdm$1"; }
addr() { echo "$HOSTNET.1$1"; }
in_ns() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }
lxc_of() { local n=$1; shift; LXD_DIR=$(dir "$n") lxc "$@"; }

# The member's daemon: by its whole command line, which names its log under the member's folder. Not by its
# environment: LXD's helpers (forkfile, forkexec: one per shell LXD runs) have the same LXD_DIR and start with
# /usr/bin/lxd too, and once pids wrap (pid_max 32768 here) one of them may come first in /proc, and be killed
# in the daemon's place.
daemon_pid() {
  local want="/usr/bin/lxd --group root --logfile $(dir "$1")/lxd.log "
  for p in /proc/[0-9]*; do
    [ "$(tr '\0' ' ' 2>/dev/null <"$p/cmdline")" = "$want" ] && { echo "${p#/proc/}"; return; }
  done
  return 0
}

host_network() {
  if ! ip link show "$HOSTBR" >/dev/null 2>&1; then
    ip link add "$HOSTBR" type bridge
    ip addr add "$HOSTNET.1/24" dev "$HOSTBR"
  fi
  ip link set "$HOSTBR" up
  # The members talk to each other across the bridge (their cluster API, 8443) and to the host's mirror;
  # the host forwards nothing of theirs anywhere else.
  for rule in "-i $HOSTBR -o $HOSTBR -j ACCEPT" "-i $HOSTBR -j REJECT" "-o $HOSTBR -j REJECT"; do
    iptables -w -C FORWARD $rule 2>/dev/null || iptables -w -A FORWARD $rule
  done
  iptables -w -D FORWARD -i "$HOSTBR" -o "$HOSTBR" -j ACCEPT && iptables -w -I FORWARD 1 -i "$HOSTBR" -o "$HOSTBR" -j ACCEPT
}

member_network() {
  local n=$1 netns; netns=$(ns "$n")
  [ -e "/run/netns/$netns" ] || ip netns add "$netns"
  if ! ip link show "lxdclu-m$n" >/dev/null 2>&1; then
    ip link add "lxdclu-m$n" type veth peer name eth0 netns "$netns"
    ip link set "lxdclu-m$n" master "$HOSTBR" up
    in_ns "$n" ip addr add "$(addr "$n")/24" dev eth0
    in_ns "$n" ip link set eth0 up
    in_ns "$n" ip link set lo up
    in_ns "$n" ip route add default via "$HOSTNET.1"
  fi
  # The member's sandboxes reach the mirror and the caches through the host (the machine with the mirror),
  # nothing else: what `berth cluster join` sets up on a machine (lxd-member.sh firewall).
  in_ns "$n" env BERTH_SERVICE_IP="$SERVICE_IP" "$HERE/lxd-member.sh" firewall "$HOSTNET.1" >/dev/null
}

start_member() {
  local n=$1 d; d=$(dir "$n")
  [ -n "$(daemon_pid "$n")" ] && return 0
  mkdir -p "$d"
  # A mount namespace of its own: /sys shows the member's interfaces, the cgroup tree stays the host's (its
  # sandboxes' cgroups are the host's cgroups, as on any machine). Not `ip netns exec`: it mounts a new /sys
  # before anything runs, and the cgroup tree below the old one is lost.
  LXD_DIR=$d setsid nohup nsenter --net="/run/netns/$(ns "$n")" unshare -m --propagation slave bash -c '
    set -e
    mkdir -p "$LXD_DIR/.cgroup"
    mount --rbind /sys/fs/cgroup "$LXD_DIR/.cgroup"
    umount -l /sys
    mount -t sysfs sysfs /sys
    mount --rbind "$LXD_DIR/.cgroup" /sys/fs/cgroup
    umount -l "$LXD_DIR/.cgroup"
    exec /usr/bin/lxd --group root --logfile "$LXD_DIR/lxd.log"' </dev/null >"$d.out" 2>&1 &
  LXD_DIR=$d lxd waitready --timeout 60 || { tail -5 "$d.out" "$d/lxd.log" >&2; die "member $n's LXD did not answer in 60 s"; }
}

# Its daemon answering is not enough: the others see it Online only after a heartbeat (LXD 5.0: up to ~20 s),
# and until then LXD places nothing on it.
wait_online() {
  local n=$1 other=1 status
  [ "$n" = 1 ] && other=2
  for _ in $(seq 90); do
    status=$(lxc_of "$other" cluster list -f csv 2>/dev/null | sed -E 's/"[^"]*"//g' | awk -F, -v m="m$n" '$1 == m {print $7}')
    [ "$status" = ONLINE ] && return 0
    sleep 1
  done
  die "member $n is not Online in the cluster 90 s after its daemon started (status: ${status:-unknown})"
}

up() {
  [ "$(id -u)" = 0 ] || die "run as root"
  "$HERE/lxd-host.sh" packages
  host_network
  for n in "${MEMBERS[@]}"; do member_network "$n"; start_member "$n"; done
  # As an operator would on machines of their own: berth cluster init on the first, berth cluster add and
  # berth cluster join on the others.
  LXD_DIR=$(dir 1) BERTH_LXD_POOL_SIZE=$POOL_SIZE "$HERE/lxd-member.sh" found m1 "$(addr 1)"
  for n in "${MEMBERS[@]:1}"; do
    lxc_of 1 cluster show "m$n" >/dev/null 2>&1 && continue
    local token; token=$(lxc_of 1 cluster add "m$n" --quiet)
    LXD_DIR=$(dir "$n") BERTH_LXD_POOL_SIZE=$POOL_SIZE "$HERE/lxd-member.sh" join "m$n" "$(addr "$n")" "$token"
  done
  LXD_DIR=$(dir 1) "$HERE/build-lxd-image.sh"
  log "ready: $(lxc_of 1 cluster list -f csv | sed -E 's/"[^"]*"//g' | awk -F, '{printf "%s %s, ", $1, $7}')(socket $(dir 1)/unix.socket)"
}

kill_member() {
  local pid; pid=$(daemon_pid "$1")
  [ -n "$pid" ] || return 0
  kill -KILL "$pid"
  # Gone, or a zombie (its sockets closed), before this returns: what a test times starts here.
  for _ in $(seq 300); do
    [ -e "/proc/$pid" ] && [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 0
    sleep 0.1
  done
  printf '[lxd-cluster] error: member %s'"'"'s LXD (pid %s) did not end within 30 s of SIGKILL\n' "$1" "$pid" >&2
  return 1
}

# A machine that `berth cluster join` then makes a member (server/test/cluster/cluster-join.test.ts): its
# namespaces and its LXD daemon, not yet in the cluster.
bare() {
  host_network
  member_network "$1"
  start_member "$1"
}

# Member N out of the cluster and gone: removed by the others first while it answers, as an operator would.
drop() {
  local n=$1
  if lxc_of 1 cluster show "m$n" >/dev/null 2>&1; then
    for i in $(lxc_of 1 list -f csv -c nL 2>/dev/null | awk -F, -v m="m$n" '$2 == m {print $1}'); do lxc_of 1 delete -f "$i" >/dev/null 2>&1 || true; done
    lxc_of 1 cluster remove "m$n" >/dev/null 2>&1 || lxc_of 1 cluster remove --force --yes "m$n" >/dev/null
  fi
  kill_member "$n" || true
  for p in /proc/[0-9]*; do
    tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qE "^\[lxc monitor\] $(dir "$n")/|^dnsmasq .*$(dir "$n")/" && kill -KILL "${p#/proc/}" 2>/dev/null
  done
  for m in $(findmnt -rn -o TARGET | grep "^$(dir "$n")" | sort -r); do umount -l "$m" 2>/dev/null; done
  losetup -nO NAME,BACK-FILE 2>/dev/null | awk -v d="$(dir "$n")/" 'index($2, d) == 1 {print $1}' | while read -r dev; do losetup -d "$dev" 2>/dev/null || true; done
  ip link del "lxdclu-m$n" 2>/dev/null || true
  ip netns del "$(ns "$n")" 2>/dev/null || true
  rm -rf "$(dir "$n")" "$(dir "$n").out"
  return 0
}

down() {
  { [ -d "$ROOT/m4" ] || [ -e /run/netns/lxdm4 ]; } && drop 4
  for n in "${MEMBERS[@]}"; do
    if [ -n "$(daemon_pid "$n")" ]; then
      for i in $(lxc_of "$n" list -f csv -c n 2>/dev/null); do lxc_of "$n" delete -f "$i" >/dev/null 2>&1 || true; done
    fi
  done
  # A daemon slow to die (its disk busy) does not keep the rest of the machine from being taken down.
  local stuck=0
  for n in "${MEMBERS[@]}"; do kill_member "$n" || stuck=1; done
  # What the daemons leave running: their sandboxes' monitors and dnsmasq (killed with their instances' inits).
  for p in /proc/[0-9]*; do
    tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qE "^\[lxc monitor\] $ROOT/|^dnsmasq .*$ROOT/" && kill -KILL "${p#/proc/}" 2>/dev/null
  done
  for m in $(findmnt -rn -o TARGET | grep "^$ROOT" | sort -r); do umount -l "$m" 2>/dev/null; done
  losetup -nO NAME,BACK-FILE 2>/dev/null | awk -v d="$ROOT/" 'index($2, d) == 1 {print $1}' | while read -r dev; do losetup -d "$dev" 2>/dev/null || true; done
  for n in "${MEMBERS[@]}"; do
    ip link del "lxdclu-m$n" 2>/dev/null || true
    ip netns del "$(ns "$n")" 2>/dev/null || true
  done
  for rule in "-i $HOSTBR -o $HOSTBR -j ACCEPT" "-i $HOSTBR -j REJECT" "-o $HOSTBR -j REJECT"; do
    while iptables -w -D FORWARD $rule 2>/dev/null; do :; done
  done
  ip link del "$HOSTBR" 2>/dev/null || true
  rm -rf "$ROOT"
  return "$stuck"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  kill) kill_member "${2:?member number}" || exit 1 ;;
  start) member_network "${2:?member number}"; start_member "$2"; wait_online "$2" ;;
  bare) bare "${2:?member number}" ;;
  drop) drop "${2:?member number}" ;;
  socket) echo "$(dir 1)/unix.socket" ;;
  *) echo "usage: $0 up|down|kill N|start N|bare N|drop N|socket" >&2; exit 2 ;;
esac
