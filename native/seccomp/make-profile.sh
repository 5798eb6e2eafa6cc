#!/bin/bash
# Writes Berth's session seccomp profile to $1.
#
# = Docker's default profile (moby profiles/seccomp/default.json, as shipped by
#   Debian's golang-github-docker-docker-dev, matching the engine's version)
# + an unconditional ALLOW for unshare, setns, clone, mount, umount2,
#   pivot_root, sethostname (a rootless dockerd needs every one of them)
# + ERRNO ENOSYS (38) for keyctl, add_key, request_key (runc falls back
#   cleanly on ENOSYS; the kernel keyring is not namespaced).
# + ERRNO EPERM (1) for io_uring_setup, io_uring_enter, io_uring_register:
#   Docker 20.10's profile still allows them, later Docker removed them (a
#   large, often-exploited kernel surface no container of a session needs).
# Those syscalls are first removed from every rule of the default profile,
# so exactly one rule decides each of them.
#
# BERTH_SECCOMP_WITHOUT=NAME leaves one of the added syscalls to Docker's own
# rule (for the test that proves each addition is needed).
set -euo pipefail

out=${1:?usage: make-profile.sh OUTPUT.json}
src=${BERTH_SECCOMP_BASE:-/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json}

need_pkgs=()
[ -r "$src" ] || need_pkgs+=(golang-github-docker-docker-dev)
command -v jq >/dev/null || need_pkgs+=(jq)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[seccomp] installing ${need_pkgs[*]} (apt)…" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need_pkgs[@]}" >/dev/null
  else
    echo "[seccomp] error: missing ${need_pkgs[*]} (apt-get install ${need_pkgs[*]})" >&2
    exit 1
  fi
fi
[ -r "$src" ] || { echo "[seccomp] error: $src not found" >&2; exit 1; }

tmp=$(mktemp "${out}.XXXXXX")
trap 'rm -f "$tmp"' EXIT
jq --arg without "${BERTH_SECCOMP_WITHOUT:-}" '
  (["unshare","setns","clone","mount","umount2","pivot_root","sethostname"] - [$without]) as $allow
  | ["keyctl","add_key","request_key"] as $enosys
  | ["io_uring_setup","io_uring_enter","io_uring_register"] as $eperm
  | ($allow + $enosys + $eperm) as $ours
  | .syscalls |= (
      map(.names |= map(select(. as $n | $ours | index($n) | not)))
      | map(select(.names | length > 0))
      + [ {names: $allow, action: "SCMP_ACT_ALLOW", args: [],
           comment: "berth: rootless dockerd inside an unprivileged container"},
          {names: $enosys, action: "SCMP_ACT_ERRNO", errnoRet: 38, args: [],
           comment: "berth: no kernel keyring (ENOSYS)"},
          {names: $eperm, action: "SCMP_ACT_ERRNO", errnoRet: 1, args: [],
           comment: "berth: no io_uring (EPERM, as Docker 25 and later)"} ]
    )
' "$src" > "$tmp"
chmod 644 "$tmp"
mv "$tmp" "$out"
trap - EXIT
