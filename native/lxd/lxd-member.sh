#!/bin/bash
# One machine's part in an LXD cluster of Berth's sandboxes: what `npx berth cluster init|join` run (server/src/
# runtime/lxd/cluster-setup.ts), and what the tests' cluster on one machine runs in each member (lxd-cluster.sh).
#   lxd-member.sh pool-and-network          the storage pool and the sandboxes' network, unless there
#                                            (one machine's lxd runtime too: lxd-host.sh up)
#   lxd-member.sh found NAME ADDRESS         this machine's LXD (answering) founds the cluster as member NAME,
#                                            its cluster API on ADDRESS:8443; the pool and the sandboxes'
#                                            network are made first when this LXD has none
#   lxd-member.sh join NAME ADDRESS TOKEN    this machine's LXD (answering, empty) joins with a token of
#                                            `lxc cluster add NAME` (berth cluster add NAME) run on a member
#   lxd-member.sh firewall SERVICES          a member without the mirror: its sandboxes reach the mirror and
#                                            the caches (BERTH_SERVICE_IP) through the machine at SERVICES,
#                                            NATed to this machine's address, and nothing else
#   lxd-member.sh firewall-down              takes those rules and the route off again
#   lxd-member.sh leave                      this machine leaves the cluster (refused while it holds
#                                            instances: evacuate it first), and its firewall goes
#   LXD_DIR  the daemon's folder (default /var/lib/lxd)   BERTH_LXD_POOL_SIZE  the pool's loop file (30GiB)
set -euo pipefail
export LXD_DIR=${LXD_DIR:-/var/lib/lxd}
POOL=berth
NET=lxdberth0
SUBNET=${BERTH_LXD_SUBNET:-10.217.0.1/16}
POOL_SIZE=${BERTH_LXD_POOL_SIZE:-30GiB}
SERVICE_IP=${BERTH_SERVICE_IP:-198.18.0.1}
SERVICE_PORTS=5000,5002,3142
log() { printf '[lxd-member] %s\n' "$*"; }
die() { printf '[lxd-member] error: %s\n' "$*" >&2; exit 1; }

pool_and_network() {
  if ! lxc storage show "$POOL" >/dev/null 2>&1; then
    log "storage pool $POOL (btrfs, $POOL_SIZE)…"
    lxc storage create "$POOL" btrfs size="$POOL_SIZE" >/dev/null
  fi
  if ! lxc network show "$NET" >/dev/null 2>&1; then
    # No firewall of LXD's (see lxd-host.sh): Berth's own rules take its place.
    log "network $NET ($SUBNET)…"
    lxc network create "$NET" ipv4.address="$SUBNET" ipv4.nat=false ipv4.routing=false ipv4.firewall=false \
      ipv6.address=none ipv6.firewall=false >/dev/null
  fi
}

found() {
  local name=${1:?member name} address=${2:?address}
  if lxc query /1.0/cluster 2>/dev/null | grep -q '"enabled": *true'; then
    log "this LXD is a cluster member already"
    return 0
  fi
  pool_and_network
  lxc config set core.https_address "$address:8443"
  log "founding the cluster as $name ($address:8443)…"
  lxc cluster enable "$name" >/dev/null
  # LXD's own image server is out of reach here (and never wanted): no remote is tried.
  lxc remote remove images >/dev/null 2>&1 || true
}

# The token names the cluster's addresses and its certificate's fingerprint; the pool's size and source are
# this member's own (a loop file below its LXD_DIR).
join() {
  local name=${1:?member name} address=${2:?address} token=${3:?token}
  if lxc query /1.0/cluster 2>/dev/null | grep -q '"enabled": *true'; then
    log "this LXD is a cluster member already"
    return 0
  fi
  log "joining the cluster as $name ($address:8443)…"
  printf 'cluster:\n  enabled: true\n  server_name: %s\n  server_address: %s:8443\n  cluster_token: %s\n  member_config:\n  - entity: storage-pool\n    name: %s\n    key: size\n    value: %s\n  - entity: storage-pool\n    name: %s\n    key: source\n    value: ""\n' \
    "$name" "$address" "$token" "$POOL" "$POOL_SIZE" "$POOL" | lxd init --preseed
  lxc remote remove images >/dev/null 2>&1 || true
}

# The member forwards its sandboxes' connections to the mirror and the caches, NATed to its own address as any
# machine's, and nothing else; its own ports are closed to them but DHCP.
firewall() {
  local services=${1:?the address of the machine with the mirror}
  uplink=$(ip -o route get "$services" | grep -o ' dev [^ ]*' | cut -d' ' -f3)
  [ -n "$uplink" ] || die "no route to $services"
  ip route replace "$SERVICE_IP/32" via "$services" dev "$uplink" 2>/dev/null || ip route replace "$SERVICE_IP/32" dev "$uplink"
  sysctl -qw net.ipv4.ip_forward=1
  firewall_down_rules
  iptables -w -N LXDBERTH-INPUT
  iptables -w -N LXDBERTH-FORWARD
  iptables -w -I INPUT 1 -i $NET -j LXDBERTH-INPUT
  iptables -w -I FORWARD 1 -i $NET -j LXDBERTH-FORWARD
  iptables -w -I FORWARD 1 -o $NET -j LXDBERTH-FORWARD
  iptables -w -A LXDBERTH-INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
  iptables -w -A LXDBERTH-INPUT -p udp --dport 67 -j ACCEPT
  iptables -w -A LXDBERTH-INPUT -p tcp -j REJECT --reject-with tcp-reset
  iptables -w -A LXDBERTH-INPUT -j REJECT
  iptables -w -A LXDBERTH-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
  iptables -w -A LXDBERTH-FORWARD -i $NET -o "$uplink" -d "$SERVICE_IP" -p tcp -m multiport --dports $SERVICE_PORTS -j ACCEPT
  iptables -w -A LXDBERTH-FORWARD -p tcp -j REJECT --reject-with tcp-reset
  iptables -w -A LXDBERTH-FORWARD -j REJECT
  iptables -w -t nat -A POSTROUTING -s "${SUBNET%.*.*}.0.0/16" -o "$uplink" -j MASQUERADE
  for chain in INPUT FORWARD; do ip6tables -w -I "$chain" 1 -i $NET -j REJECT; done
  ip6tables -w -I FORWARD 1 -o $NET -j REJECT
  log "sandboxes reach $SERVICE_IP ($SERVICE_PORTS) through $services on $uplink, nothing else"
}

firewall_down_rules() {
  while iptables -w -D INPUT -i $NET -j LXDBERTH-INPUT 2>/dev/null; do :; done
  while iptables -w -D FORWARD -i $NET -j LXDBERTH-FORWARD 2>/dev/null; do :; done
  while iptables -w -D FORWARD -o $NET -j LXDBERTH-FORWARD 2>/dev/null; do :; done
  for c in LXDBERTH-INPUT LXDBERTH-FORWARD; do iptables -w -F "$c" 2>/dev/null && iptables -w -X "$c"; done
  local rule
  while rule=$(iptables -w -t nat -S POSTROUTING | grep -m1 -- "-s ${SUBNET%.*.*}.0.0/16 .*-j MASQUERADE"); do
    eval "iptables -w -t nat -D ${rule#-A }"
  done
  for chain in INPUT FORWARD; do while ip6tables -w -D "$chain" -i $NET -j REJECT 2>/dev/null; do :; done; done
  while ip6tables -w -D FORWARD -o $NET -j REJECT 2>/dev/null; do :; done
  return 0
}

self_name() {
  lxc query /1.0/cluster 2>/dev/null | sed -n 's/.*"server_name": *"\([^"]*\)".*/\1/p' | head -1
}

leave() {
  local self; self=$(self_name)
  [ -n "$self" ] || { log "this LXD is not a cluster member"; return 0; }
  # The only member has no cluster to leave (LXD would refuse): its LXD goes with it.
  [ "$(lxc cluster list -f csv 2>/dev/null | wc -l)" -gt 1 ] || { log "$self is the cluster's only member: nothing to leave"; return 0; }
  local held; held=$(lxc list -f csv -c nL 2>/dev/null | awk -F, -v m="$self" '$2 == m' | wc -l)
  [ "$held" = 0 ] || die "$self still holds $held instance(s): \`lxc cluster evacuate $self\` moves their sessions to the other members first"
  lxc cluster remove "$self" >/dev/null || die "the cluster did not let $self go (lxc cluster remove $self)"
  log "$self left the cluster"
  firewall_down_rules
  ip route del "$SERVICE_IP/32" table main 2>/dev/null || true
}

case "${1:-}" in
  pool-and-network) pool_and_network ;;
  found) shift; found "$@" ;;
  join) shift; join "$@" ;;
  firewall) firewall "${2:-}" ;;
  firewall-down) firewall_down_rules; ip route del "$SERVICE_IP/32" table main 2>/dev/null || true ;;
  leave) leave ;;
  *) echo "usage: $0 pool-and-network | found NAME ADDRESS | join NAME ADDRESS TOKEN | firewall SERVICES | firewall-down | leave" >&2; exit 2 ;;
esac
