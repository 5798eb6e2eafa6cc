#!/bin/bash
# Berth: build every image from Debian packages on the session engine, and
# push the starter images to Berth's built-in registry mirror.
#
# Sessions reach the mirror read-only (server/src/host/mirror.ts). Pushes go to
# a writable registry on the same storage, on the host's loopback, which this
# script starts only when an image has to be pushed and stops when it ends.
#
# Idempotent: an image is rebuilt only when its recipe changed. The recipe
# hash (sha256 of the recipe files + the inputs that end up in the image) is
# stored as the image label berth.recipe=<hash>.
#
# Env:
#   BERTH_ENGINE_SOCK  session engine socket   (default /run/berth/engine.sock)
#   BERTH_DATA         Berth's data directory  (default /var/lib/berth)
#   BERTH_SERVICE_IP   mirror (:5000) + apt cache (:3142) address (default 198.18.0.1)
#   BERTH_FORCE        "1" or a space separated list of images to rebuild anyway
#   BERTH_ONLY         a space separated list of images to build and push (default: all); the others
#                      are neither built nor pushed (debian's recipe hashes are still computed for FROM)
#   BERTH_BUILD_PARALLEL  how many `docker build`s of images FROM debian run at once (default 2)
#   BERTH_SESSION_REF  the session image to build  (default berth/session:latest)
#   BERTH_MIRROR_PUSH_ADDR    the writable registry's address (default 127.0.0.1:5001)
#   BERTH_MIRROR_PUSH_CONFIG  its configuration (default $BERTH_DATA/mirror-push.yml)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOCK=${BERTH_ENGINE_SOCK:-/run/berth/engine.sock}
DATA=${BERTH_DATA:-/var/lib/berth}
SIP=${BERTH_SERVICE_IP:-198.18.0.1}
MIRROR=$SIP:5000
PUSH_ADDR=${BERTH_MIRROR_PUSH_ADDR:-127.0.0.1:5001}
PUSH_CONFIG=${BERTH_MIRROR_PUSH_CONFIG:-$DATA/mirror-push.yml}
PUSH_PID=
APT_PROXY=http://$SIP:3142
BUILD=$DATA/build
SUITE=bookworm       # the suite the starter images and the session image are built on
FORCE=${BERTH_FORCE:-}
ONLY=${BERTH_ONLY:-}
SESSION_REF=${BERTH_SESSION_REF:-berth/session:latest}
# Bump to rebuild everything after a change to this script's build logic.
RECIPE_VERSION=2
PARALLEL=${BERTH_BUILD_PARALLEL:-2}
[[ $PARALLEL =~ ^[1-9][0-9]*$ ]] || { printf '[images] error: BERTH_BUILD_PARALLEL must be a number >= 1\n' >&2; exit 1; }

log() { printf '[images] %s\n' "$*"; }
SCRIPT_T0=$SECONDS
die() { printf '[images] error: %s\n' "$*" >&2; exit 1; }

DOCKER_BIN=/usr/bin/docker
[ -x "$DOCKER_BIN" ] || DOCKER_BIN=$(command -v docker || true)
[ -n "$DOCKER_BIN" ] || die "docker client not found (apt-get install docker.io)"
dk() { "$DOCKER_BIN" -H "unix://$SOCK" "$@"; }

# ---------------------------------------------------------------- checks --
[ "$(id -u)" = 0 ] || die "run as root (debootstrap and chroot need it)"
command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"
command -v curl >/dev/null || die "curl is missing (apt-get install curl)"
command -v gcc >/dev/null || die "gcc is missing (apt-get install gcc)"
dpkg -s busybox-static >/dev/null 2>&1 && [ -x /bin/busybox ] \
  || die "busybox-static is missing (apt-get install busybox-static)"
[ -S "$SOCK" ] || die "session engine socket $SOCK not found (is Berth's engine running?)"
dk version >/dev/null 2>&1 || die "session engine at unix://$SOCK does not answer"
curl -fsS -m 5 -o /dev/null "http://$MIRROR/v2/" \
  || die "registry mirror http://$MIRROR/v2/ does not answer"
curl -sS -m 5 -o /dev/null "$APT_PROXY/" 2>/dev/null \
  || die "apt cache $APT_PROXY does not answer"

mkdir -p "$BUILD"
chmod 700 "$BUILD"
# One build at a time: two builds share $BUILD's folders, and one deleting them under the other's dpkg
# failed both (a second `npm start`, a service restart, a test starting Berth while another prepares).
exec 9>"$BUILD/.lock"
if ! flock -n 9; then
  log "another image build is running; waiting for it"
  flock 9
fi

# ------------------------------------------------------- host helpers --
# berth-listeners runs beside the server (server/src/runtime/listeners-reader.ts); a few ms to build, so
# always built: written beside and renamed, so a running server's helper is never a half-written file.
mkdir -p "$DATA/bin"
gcc -O2 -Wall -Wextra -Werror -s -o "$DATA/bin/berth-listeners.new" "$HERE/host/berth-listeners.c" \
  || die "building native/host/berth-listeners.c failed"
mv -f "$DATA/bin/berth-listeners.new" "$DATA/bin/berth-listeners"

# ------------------------------------------- Debian mirror from host apt --
# The mirror URLs come from the host's own apt configuration (deb822
# *.sources "URIs:" or sources.list "deb" lines); nothing is hard-coded.
host_apt_uris() { # prints "URI SUITE" pairs
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    awk '
      function flush() { if (uris != "" && types ~ /(^| )deb( |$)/) { n = split(uris, u, " "); m = split(suites, s, " ");
        for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print u[i], s[j] } uris = suites = types = "" }
      /^[[:space:]]*$/ { flush(); next }
      /^[[:space:]]*#/ { next }
      tolower($1) == "types:"  { $1 = ""; types = $0 }
      tolower($1) == "uris:"   { $1 = ""; uris = $0 }
      tolower($1) == "suites:" { $1 = ""; suites = $0 }
      END { flush() }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    sed -e 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" { print $2, $3 }'
  done
}
pairs=$(host_apt_uris)
DEB_MIRROR=$(awk '$2 !~ /-security/ && $1 ~ /^http:/ { print $1; exit }' <<<"$pairs")
[ -n "$DEB_MIRROR" ] || DEB_MIRROR=$(awk '$2 !~ /-security/ { print $1; exit }' <<<"$pairs")
SEC_MIRROR=$(awk '$2 ~ /-security/ { print $1; exit }' <<<"$pairs")
[ -n "$DEB_MIRROR" ] || die "no Debian mirror found in the host's apt configuration"
DEB_MIRROR=${DEB_MIRROR%/}
[ -n "$SEC_MIRROR" ] || SEC_MIRROR=${DEB_MIRROR%/debian}/debian-security
SEC_MIRROR=${SEC_MIRROR%/}
case $DEB_MIRROR in
  http://*) ;;
  *) die "the host's Debian mirror ($DEB_MIRROR) is not http://; the apt cache only proxies http" ;;
esac

# ----------------------------------------------------------------- utils --
# recipe_hash NAME EXTRA-STRING PATH... : sha256 of the recipe files + inputs
recipe_hash() {
  local name=$1 extra=$2; shift 2
  {
    printf 'berth-recipe v%s %s\n%s\n' "$RECIPE_VERSION" "$name" "$extra"
    (cd "$HERE" && find "$@" -type f -print0 | sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -c1-64
}
image_hash() { dk image inspect -f '{{index .Config.Labels "berth.recipe"}}' "$1" 2>/dev/null || true; }
forced() { [ "$FORCE" = 1 ] || [[ " $FORCE " == *" $1 "* ]]; }
wanted() { [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]; }
up_to_date() { # NAME REF HASH
  if ! wanted "$1"; then
    return 0
  fi
  if ! forced "$1" && [ "$(image_hash "$2")" = "$3" ]; then
    if [ "$2" = "$1:latest" ]; then log "$1: up to date"; else log "$2: up to date"; fi
    return 0
  fi
  return 1
}
T0=0
start() { T0=$(date +%s.%N); }
took() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }'; }
run_logged() { # LOGFILE CMD... : quiet unless it fails
  local lf=$1; shift
  if ! "$@" >"$lf" 2>&1; then
    tail -n 30 "$lf" >&2
    die "failed: $* (full log: $lf)"
  fi
}
size_of() { dk image inspect -f '{{.Size}}' "$1" | awk '{ if ($1 < 1e6) printf "%.1f kB", $1 / 1e3; else printf "%.1f MB", $1 / 1e6 }'; }
# Logs a finished build's time and size, and appends them to $BUILD/build-times.tsv (npm run bench reads it).
built() { # REF [LABEL]
  local ref=$1 label=${2:-$1} secs
  secs=$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  printf '%s\t%s\t%s\t%s\n' "$ref" "$secs" "$(dk image inspect -f '{{.Size}}' "$ref")" "$(date -u +%FT%TZ)" >>"$BUILD/build-times.tsv"
  log "$label: built in $secs s, $(size_of "$ref")"
}

MOUNTED=()
cleanup() {
  local m
  for m in "${MOUNTED[@]}"; do umount -l "$m" 2>/dev/null || true; done
  dk rm -f berth-build-export >/dev/null 2>&1 || true
  if [ -n "$PUSH_PID" ]; then kill "$PUSH_PID" 2>/dev/null || true; wait "$PUSH_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

# Files shared by every debian-based rootfs: slimming + apt proxy + sources.
write_debian_config() { # ROOTFS SUITE
  local r=$1 suite=$2
  cp -a "$HERE/images/common/rootfs/." "$r/"
  # A fetch that fails or stalls (a cold cache under parallel builds, a slow archive) is tried again by apt
  # itself, not by rebuilding the whole image (CI run 22: node:trixie took 661 s after one failed fetch).
  # Not part of the recipe's hash: an image built without these is no different to use.
  printf 'Acquire::http::Proxy "%s";\nAcquire::Retries "3";\nAcquire::http::Timeout "30";\n' "$APT_PROXY" >"$r/etc/apt/apt.conf.d/01berth-proxy"
  rm -f "$r/etc/apt/sources.list"
  mkdir -p "$r/etc/apt/sources.list.d"
  cat >"$r/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $DEB_MIRROR
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SEC_MIRROR
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
}

# Remove what the dpkg path-excludes would have kept out, and all caches.
slim_rootfs() { # ROOTFS
  local r=$1
  find "$r/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete 2>/dev/null || true
  find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$r"/usr/share/{man,info,groff,lintian,linda}/* 2>/dev/null || true
  find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin "$r"/var/cache/apt/archives/*.deb \
         "$r"/var/cache/apt/archives/partial/* "$r"/var/cache/debconf/*-old "$r"/var/lib/dpkg/*-old \
         "$r"/var/log/apt/* "$r"/var/log/dpkg.log "$r"/var/log/alternatives.log "$r"/var/log/bootstrap.log \
         "$r"/tmp/* "$r"/var/tmp/* "$r"/root/.bash_history 2>/dev/null || true
  mkdir -p "$r/var/lib/apt/lists/partial"
  : >"$r/etc/machine-id" 2>/dev/null || true
  rm -f "$r/var/lib/dbus/machine-id" "$r/.dockerenv"
  rm -rf "$r"/dev/* "$r"/proc/* "$r"/sys/* 2>/dev/null || true
}

# A build that was killed can leave its chroot's /proc and /dev mounted: never rm -rf through them.
unmount_under() { # DIR
  local m
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r)
}
chroot_mount() { # ROOTFS
  local d
  mount -t proc proc "$1/proc"; MOUNTED+=("$1/proc")
  mount -t tmpfs -o mode=755,nosuid tmpfs "$1/dev"; MOUNTED+=("$1/dev")
  for d in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
    mknod -m 666 "$1/dev/${d%%:*}" c "$(cut -d: -f2 <<<"$d")" "$(cut -d: -f3 <<<"$d")"
  done
  printf '#!/bin/sh\nexit 101\n' >"$1/usr/sbin/policy-rc.d"; chmod 755 "$1/usr/sbin/policy-rc.d"
}
chroot_umount() { # ROOTFS
  umount "$1/proc" "$1/dev"
  rm -f "$1/usr/sbin/policy-rc.d"
}

import_rootfs() { # ROOTFS REF HASH --change...
  local r=$1 ref=$2 h=$3; shift 3
  tar --numeric-owner --xattrs --xattrs-include='security.capability' -C "$r" -cf - . \
    | dk import --change "LABEL berth.recipe=$h" "$@" - "$ref" >/dev/null
}

# The writable registry, started on the first push (a run with nothing to push starts nothing).
start_push_registry() {
  [ -z "$PUSH_PID" ] || return 0
  [ -r "$PUSH_CONFIG" ] || die "$PUSH_CONFIG is missing (written by Berth's host set-up: npx berth prepare)"
  if curl -fsS -m 2 -o /dev/null "http://$PUSH_ADDR/v2/" 2>/dev/null; then
    die "something already answers on $PUSH_ADDR (a registry left by an interrupted build? stop it and run again)"
  fi
  mkdir -p "$DATA/logs"
  # As the mirror's own user (host/service-users.ts), so everything in its storage stays that user's.
  local as=()
  id -u docker-registry >/dev/null 2>&1 && as=(setpriv --reuid docker-registry --regid docker-registry --clear-groups)
  "${as[@]}" docker-registry serve "$PUSH_CONFIG" >>"$DATA/logs/mirror-push.log" 2>&1 &
  PUSH_PID=$!
  local i
  for i in $(seq 100); do
    curl -fsS -m 2 -o /dev/null "http://$PUSH_ADDR/v2/" 2>/dev/null && return 0
    kill -0 "$PUSH_PID" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 15 "$DATA/logs/mirror-push.log" >&2
  die "the mirror's writable registry on $PUSH_ADDR did not start (log: $DATA/logs/mirror-push.log)"
}

DIGESTS_OF= DIGESTS=
push_mirror() { # LOCAL-REF NAME TAG   (NAME: "nginx" is library/nginx, "berth/nettools" is itself)
  local ref=$1 name=$2 tag=$3 remote have repo=$2
  [[ $repo == */* ]] || repo=library/$repo
  # What sessions see, read through the served (read-only) side.
  have=$(curl -fsS -m 10 -o /dev/null -D - \
      -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
      "http://$MIRROR/v2/$repo/manifests/$tag" 2>/dev/null \
    | awk 'tolower($1) == "docker-content-digest:" { print $2 }' | tr -d '\r' || true)
  # The image's digests, read once per image (a push adds one: read again after it).
  [ "$DIGESTS_OF" = "$ref" ] || { DIGESTS=$(dk image inspect -f '{{range .RepoDigests}}{{println .}}{{end}}' "$ref"); DIGESTS_OF=$ref; }
  if [ -n "$have" ] && grep -q "/$repo@$have\$" <<<"$DIGESTS"; then
    log "mirror: $name:$tag up to date"
    return
  fi
  start_push_registry
  remote=$PUSH_ADDR/$repo:$tag
  dk tag "$ref" "$remote"
  start
  run_logged "$BUILD/push-${name//\//-}-$tag.log" dk push "$remote"
  log "mirror: pushed $name:$tag ($(took))"
  DIGESTS_OF=
}

ENV_PATH='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
log "engine unix://$SOCK, mirror http://$MIRROR, apt cache $APT_PROXY, Debian mirror from host apt config: $DEB_MIRROR (+ $SEC_MIRROR)"

# ---------------------------------------------------------------- seccomp --
"$HERE/seccomp/make-profile.sh" "$DATA/seccomp.json" \
  || die "could not write $DATA/seccomp.json (native/seccomp/make-profile.sh)"
log "seccomp: $DATA/seccomp.json"

# ----------------------------------------------------------------- debian --
# debian:SUITE from debootstrap; sets DEBIAN_HASH[SUITE] (part of the hash of every image FROM it).
declare -A DEBIAN_HASH
build_debian() { # SUITE
  local suite=$1 h r
  h=$(recipe_hash debian "$suite $DEB_MIRROR $SEC_MIRROR $APT_PROXY" images/common images/debian)
  DEBIAN_HASH[$suite]=$h
  up_to_date debian "debian:$suite" "$h" && return 0
  log "debian:$suite: building (debootstrap, ~1 min)…"
  start
  r=$BUILD/debian-$suite/rootfs
  unmount_under "$BUILD/debian-$suite"; rm -rf "$BUILD/debian-$suite"; mkdir -p "$r"
  run_logged "$BUILD/debian-$suite.log" env http_proxy="$APT_PROXY" \
    debootstrap --variant=minbase "$suite" "$r" "$DEB_MIRROR"
  write_debian_config "$r" "$suite"
  # Like Docker Hub's images: include the point-release and security updates.
  chroot_mount "$r"
  run_logged "$BUILD/debian-$suite-upgrade.log" chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive sh -c 'apt-get update && apt-get -y upgrade && apt-get clean'
  chroot_umount "$r"
  slim_rootfs "$r"
  import_rootfs "$r" "debian:$suite" "$h" --change "$ENV_PATH" --change 'CMD ["bash"]'
  rm -rf "$BUILD/debian-$suite"
  built "debian:$suite"
}
build_debian "$SUITE"
build_debian trixie
dk tag debian:$SUITE debian:12
dk tag debian:$SUITE debian:latest
dk tag debian:trixie debian:13

# ---------------------------------------------------------------- busybox --
h=$(recipe_hash busybox "$(sha256sum /bin/busybox)" images/busybox)
if ! up_to_date busybox busybox:latest "$h"; then
  log "busybox: building (busybox-static)…"
  start
  r=$BUILD/busybox/rootfs
  rm -rf "$BUILD/busybox"; mkdir -p "$r"/{bin,etc,root,tmp,var/spool/mail,var/www,home,dev,proc,sys,usr/bin,usr/sbin,sbin}
  cp /bin/busybox "$r/bin/busybox"
  for a in $(/bin/busybox --list); do
    [ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"
  done
  cp -a "$HERE/images/busybox/rootfs/." "$r/"
  chmod 1777 "$r/tmp"; chmod 700 "$r/root"
  import_rootfs "$r" busybox:latest "$h" --change "$ENV_PATH" --change 'CMD ["sh"]'
  rm -rf "$BUILD/busybox"
  built busybox:latest busybox
fi

# ------------------------------------------------------------ hello-world --
h=$(recipe_hash hello-world "$(gcc --version | head -1)" images/hello-world)
if ! up_to_date hello-world hello-world:latest "$h"; then
  log "hello-world: building (static C, no libc)…"
  start
  r=$BUILD/hello-world/rootfs
  rm -rf "$BUILD/hello-world"; mkdir -p "$r"
  gcc -nostdlib -static -Os -fno-asynchronous-unwind-tables -fno-stack-protector \
      -Wl,--build-id=none -Wl,-z,norelro -Wl,-n -s \
      -o "$r/hello" "$HERE/images/hello-world/hello.c"
  "$r/hello" | grep -qx 'Hello from Docker!' || die "hello-world: the program does not print its greeting"
  import_rootfs "$r" hello-world:latest "$h" --change 'CMD ["/hello"]'
  rm -rf "$BUILD/hello-world"
  built hello-world:latest hello-world
fi

# ------------------------------------------------ images FROM debian:SUITE --
# NAME  LOCAL-REF  SUITE  RECIPE-DIR: a `docker build` of images/DIR, FROM debian:SUITE (ARG SUITE). Each name
# is one BERTH_ONLY/BERTH_FORCE word (node builds two images). Builds run $PARALLEL at a time (the host's cores).
FROM_DEBIAN='
nginx     nginx:latest     bookworm  nginx
redis     redis:latest     bookworm  redis
registry  registry:latest  bookworm  registry
httpd     httpd:latest     bookworm  httpd
python    python:latest    bookworm  python
node      node:bookworm    bookworm  node
node      node:trixie      trixie    node
golang    golang:trixie    trixie    golang
postgres  postgres:latest  bookworm  postgres
mariadb   mariadb:latest   bookworm  mariadb
nettools  berth/nettools:latest  bookworm  nettools
'
build_from_debian() { # NAME REF SUITE DIR HASH
  local name=$1 ref=$2 suite=$3 dir=$4 h=$5
  log "$ref: building (docker build FROM debian:$suite, apt-get install)…"
  start
  local lf=$BUILD/${ref//[:\/]/-}.log
  # Once more on a failure: a cold package cache under parallel builds has refused a connection mid-install
  # (CI, 30 Nov 2026: "Unable to connect to 198.18.0.1:3142" for one build while two others fetched fine).
  if ! dk build --force-rm --build-arg "SUITE=$suite" --label "berth.recipe=$h" -t "$ref" "$HERE/images/$dir" >"$lf" 2>&1; then
    # apt's own line first ("error" also matches package names such as node-error-ex); the first try's log kept.
    log "$ref: the build failed ($({ grep -m1 '^E: ' "$lf" || grep -m1 -E 'ERROR|error:' "$lf"; } | cut -c1-240)); trying once more (first try's log: $lf.first-try)"
    mv "$lf" "$lf.first-try"
    run_logged "$lf" dk build --force-rm --build-arg "SUITE=$suite" --label "berth.recipe=$h" -t "$ref" "$HERE/images/$dir"
  fi
  built "$ref"
}
BUILDING=() BUILD_FAILED=0
reap_build() { # waits for one build to end
  local done_pid= p kept=()
  wait -n -p done_pid "${BUILDING[@]}" || BUILD_FAILED=1
  for p in "${BUILDING[@]}"; do [ "$p" = "$done_pid" ] || kept+=("$p"); done
  BUILDING=("${kept[@]}")
}
while read -r name ref suite dir; do
  [ -n "$name" ] || continue
  # The hash of the five starter images is as it was before other suites existed (no rebuild on upgrade).
  if [ "$suite" = "$SUITE" ] && [ "$ref" = "$name:latest" ]; then
    h=$(recipe_hash "$name" "FROM ${DEBIAN_HASH[$suite]}" "images/$dir")
  else
    h=$(recipe_hash "$name" "$ref FROM ${DEBIAN_HASH[$suite]}" "images/$dir")
  fi
  up_to_date "$name" "$ref" "$h" && continue
  while [ "${#BUILDING[@]}" -ge "$PARALLEL" ]; do reap_build; done
  build_from_debian "$name" "$ref" "$suite" "$dir" "$h" &
  BUILDING+=($!)
done <<<"$FROM_DEBIAN"
while [ "${#BUILDING[@]}" -gt 0 ]; do reap_build; done
[ "$BUILD_FAILED" = 0 ] || die "an image build failed (its log is named above)"

# ---------------------------------------------------------- berth/session --
# Today's Docker in the session (engine, CLI, buildx, compose v2) comes from Debian trixie, so the session's
# rootfs starts from debian:trixie. BERTH_SESSION_REF names the image built (default berth/session:latest;
# e.g. berth/session:next to try a change beside the running one).
SESSION_SUITE=trixie
SESSION_HASH=$(recipe_hash session "FROM ${DEBIAN_HASH[$SESSION_SUITE]} $SIP $(gcc --version | head -1)" images/session session bash)
if ! up_to_date session "$SESSION_REF" "$SESSION_HASH"; then
  log "session: building $SESSION_REF (debian:$SESSION_SUITE + docker.io, buildx, compose, rootless tools; ~2 min)…"
  start
  r=$BUILD/session/rootfs
  unmount_under "$BUILD/session"; rm -rf "$BUILD/session"; mkdir -p "$r"
  # Start from the debian image just built (same slimming, sources, proxy).
  dk rm -f berth-build-export >/dev/null 2>&1 || true
  dk create --name berth-build-export "debian:$SESSION_SUITE" true >/dev/null 2>&1
  dk export berth-build-export | tar --numeric-owner -xf - -C "$r"
  dk rm -f berth-build-export >/dev/null
  chroot_mount "$r"
  mapfile -t pkgs < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$HERE/images/session/packages")
  run_logged "$BUILD/session.log" chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive sh -c 'apt-get update && apt-get -y upgrade && apt-get install -y --no-install-recommends "$@"' \
    sh "${pkgs[@]}"
  install -D -m 755 "$HERE/session/berth-entrypoint" "$r/usr/local/bin/berth-entrypoint"
  install -D -m 755 "$HERE/session/engine-child" "$r/usr/local/lib/berth/engine-child"
  install -D -m 755 "$HERE/session/runc-ps" "$r/usr/local/lib/berth/runtime/runc"
  install -D -m 755 "$HERE/session/host-shell" "$r/usr/local/lib/berth/host-shell"
  install -D -m 755 "$HERE/session/docker-waits" "$r/usr/local/bin/docker"
  install -D -m 755 "$HERE/session/sudo-helper" "$r/usr/local/lib/berth/sudo-helper"
  gcc -Os -Wall -s -o "$BUILD/session/berth-dns" "$HERE/session/berth-dns.c"
  install -D -m 755 "$BUILD/session/berth-dns" "$r/usr/local/lib/berth/berth-dns"
  gcc -Os -Wall -Wextra -Werror -s -o "$BUILD/session/berth-term" "$HERE/session/berth-term.c"
  install -D -m 755 "$BUILD/session/berth-term" "$r/usr/local/lib/berth/berth-term"
  install -D -m 644 /dev/null "$r/etc/berth/daemon.json"
  sed "s/198\.18\.0\.1/$SIP/g" "$HERE/session/daemon.json" >"$r/etc/berth/daemon.json"
  install -D -m 644 "$HERE/bash/berth.sh" "$r/etc/profile.d/berth.sh"
  install -D -m 755 "$HERE/images/session/setup.sh" "$r/tmp/berth-setup.sh"
  run_logged "$BUILD/session-setup.log" chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    bash /tmp/berth-setup.sh
  chroot "$r" apt-get clean >/dev/null
  chroot_umount "$r"
  slim_rootfs "$r"
  leftover=$(find "$r" -xdev -perm /6000 | sed "s|^$r||")
  [ -z "$leftover" ] || die "session: setuid/setgid files remain: $leftover"
  import_rootfs "$r" "$SESSION_REF" "$SESSION_HASH" \
    --change 'ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/berth-entrypoint"]' \
    --change 'USER 1000:1000' \
    --change 'WORKDIR /home/user' \
    --change 'ENV HOME=/home/user' \
    --change 'ENV XDG_RUNTIME_DIR=/run/user/1000' \
    --change 'ENV DOCKER_HOST=unix:///run/user/1000/docker.sock' \
    --change "$ENV_PATH"
  rm -rf "$BUILD/session"
  built "$SESSION_REF" session
fi

# ---------------------------------------------------------------- mirror --
# Every tag names what is inside: version tags are read from the built image, never written by hand.
# The one line SCRIPT (sh) prints in a container of REF, run once per image id and cached in
# $BUILD/versions (a rerun with nothing changed starts no container).
image_version() { # REF SCRIPT
  local ref=$1 script=$2 id v
  id=$(dk image inspect -f '{{.Id}}' "$ref") || return 1
  v=$(awk -F '\t' -v id="$id" -v s="$script" '$1 == id && $3 == s { v = $2 } END { print v }' "$BUILD/versions" 2>/dev/null || true)
  if [ -z "$v" ]; then
    v=$(dk run --rm --network none --entrypoint sh "$ref" -c "$script") || return 1
    [ -n "$v" ] && [ "$(wc -l <<<"$v")" = 1 ] || return 1
    printf '%s\t%s\t%s\n' "$id" "$v" "$script" >>"$BUILD/versions"
  fi
  printf '%s\n' "$v"
}
# The upstream version of a Debian package in an image, epoch and revision dropped (5:7.0.15-1~deb12u10 -> 7.0.15).
pkg_version() { # REF PKG
  image_version "$1" "dpkg-query -W -f '\${Version}' $2" | sed -E 's/^[0-9]+://; s/^([0-9]+(\.[0-9]+)*).*/\1/'
}
# 1.22.1 -> "1 1.22 1.22.1" (each SUFFIX appended): the tags an official image carries for one version.
version_tags() { # VERSION [SUFFIX]
  local v=$1 suffix=${2:-} major minor
  [[ $v =~ ^[0-9]+(\.[0-9]+)*$ ]] || die "not a version number: '$v'"
  major=${v%%.*}
  minor=$(cut -d. -f1-2 <<<"$v")
  printf '%s\n' "$major$suffix" "$minor$suffix" "$v$suffix" | awk '!seen[$0]++'
}
push_tags() { # REF NAME TAG...   (BERTH_ONLY names berth/nettools "nettools")
  local ref=$1 name=$2 tag; shift 2
  wanted "${name##*/}" || return 0
  for tag in "$@"; do push_mirror "$ref" "$name" "$tag"; done
}

# Each version is read first (a failed read stops the script instead of pushing fewer tags).
debian_tags() { # SUITE MAJOR [EXTRA-TAG...]: SUITE, MAJOR, the point release, each also -slim
  local suite=$1 major=$2 v point; shift 2
  v=$(image_version "debian:$suite" 'cat /etc/debian_version') || die "debian:$suite: cannot read /etc/debian_version"
  point=$(version_tags "$v" | grep -vx "$major") || die "debian:$suite: no point-release tag in '$v'"
  # Slim is the shape of this image (dpkg path-excludes for docs, man pages, locales): the -slim tags are honest.
  push_tags "debian:$suite" debian "$suite" "$major" "$@" "$suite-slim" "$major-slim" $point $(sed 's/$/-slim/' <<<"$point")
}
if wanted debian; then
  # Docker Hub's debian:latest (and stable) has been trixie since August 2025; here latest stays bookworm, the
  # base of every other image in this mirror (lessons 03, 04 and 09 teach tags and shared layers with it).
  debian_tags "$SUITE" 12 latest oldstable oldstable-slim
  debian_tags trixie 13 stable stable-slim
fi
if wanted busybox; then
  v=$(image_version busybox:latest 'busybox | head -n 1' | sed -nE '1s/^BusyBox v([0-9.]+).*/\1/p') \
    || die "busybox: cannot read its version"
  tags=$(version_tags "$v") || die "busybox: version '$v'"
  # Docker Hub's busybox tags name the libc too: this one is Debian's static build on glibc.
  push_tags busybox:latest busybox latest $tags $(version_tags "$v" -glibc) glibc
fi
push_tags hello-world:latest hello-world latest
# IMAGE:PACKAGE whose version names the image.
for spec in nginx:nginx redis:redis-server registry:docker-registry httpd:apache2-bin python:python3; do
  name=${spec%%:*}
  wanted "$name" || continue
  v=$(pkg_version "$name:latest" "${spec#*:}") || die "$name: cannot read the version of ${spec#*:}"
  tags=$(version_tags "$v") || die "$name: version '$v'"
  # python is the official image's slim shape (Debian's python3, pip and venv; no compilers): -slim tags too.
  [ "$name" != python ] || tags="$tags slim $(version_tags "$v" -slim)"
  push_tags "$name:latest" "$name" latest $tags
done
# NAME  LOCAL-REF  VERSION-OF  VARIANTS: versioned images whose newest release Debian does not ship, so they
# get no `latest` (node:latest, golang:latest, postgres:latest and mariadb:latest are newer on Docker Hub).
# VERSION-OF is the Debian package whose version names the image (go: `go env GOVERSION`). Tags: X, X.Y,
# X.Y.Z (Go's X, 1, would claim the newest Go: left out), then the same with each VARIANT suffix (as Docker
# Hub writes them: 18-bookworm, 18-slim, 18-bookworm-slim; mariadb's are Ubuntu-based there: none).
while read -r name ref of variants; do
  [ -n "$name" ] && wanted "$name" || continue
  if [ "$of" = go ]; then
    v=$(image_version "$ref" 'go env GOVERSION' | sed 's/^go//') || die "$ref: cannot read its Go version"
  else
    v=$(pkg_version "$ref" "$of") || die "$ref: cannot read the version of $of"
  fi
  base=$(version_tags "$v") || die "$ref: version '$v'"
  [ "$name" != golang ] || base=$(grep -vx 1 <<<"$base")
  tags=$base
  for variant in ${variants//,/ }; do
    [ "$variant" = - ] || tags="$tags $(sed "s/\$/-$variant/" <<<"$base")"
  done
  push_tags "$ref" "$name" $tags
done <<'EOF_VERSIONED'
node      node:bookworm    nodejs         bookworm,slim,bookworm-slim
node      node:trixie      nodejs         trixie,slim,trixie-slim
golang    golang:trixie    go             trixie
postgres  postgres:latest  postgresql-15  bookworm
mariadb   mariadb:latest   mariadb-server -
EOF_VERSIONED
# Not an official image (those are library/…): Berth's own, named for what it is.
push_tags berth/nettools:latest berth/nettools latest
# Old versions of our images, now untagged.
dk image prune -f --filter label=berth.recipe >/dev/null 2>&1 || true

log "ready ($((SECONDS - SCRIPT_T0)) s in all)"
