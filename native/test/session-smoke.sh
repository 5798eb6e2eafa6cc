#!/bin/bash
# Starts one session container exactly as Berth does, runs the tutorial
# commands in it, prints the figures, and removes everything it created.
# Usage: native/test/session-smoke.sh [SESSION-ID]   (as root, after build-images.sh)
set -uo pipefail
ID=${1:-t1}
SOCK=${BERTH_ENGINE_SOCK:-/run/berth/engine.sock}
DATA=${BERTH_DATA:-/var/lib/berth}
D="/usr/bin/docker -H unix://$SOCK"
SECCOMP=$DATA/seccomp.json
IMG=$DATA/disks/$ID.img
MNT=$DATA/mounts/$ID
OWNER=${BERTH_SESSION_UID:-232072}   # dockremap base 231072 + 1000
IMAGE=${BERTH_SESSION_IMAGE:-berth/session}

cleanup() {
  $D rm -f "berth-$ID" >/dev/null 2>&1
  $D network rm "berth-$ID" >/dev/null 2>&1
  mountpoint -q "$MNT" && umount "$MNT"
  rm -rf "$MNT" "$IMG"
}
trap cleanup EXIT
cleanup
mkdir -p "$DATA/disks" "$DATA/mounts"

t0=$(date +%s.%N)
$D network create --label berth.session=$ID -o com.docker.network.bridge.enable_icc=false \
  -o com.docker.network.bridge.name=berth-$ID berth-$ID >/dev/null
# One disk, two folders (server/src/runtime/session-disk.ts): the home, and the engine's data-root.
truncate -s 2G "$IMG"; mkfs.ext4 -q -m 0 "$IMG"
mkdir -p "$MNT"; mount -o loop,discard,nosuid,nodev "$IMG" "$MNT"
install -d -m 755 -o "$OWNER" -g "$OWNER" "$MNT/user"
install -d -m 710 -o "$OWNER" -g "$OWNER" "$MNT/docker"
run() {
  $D run -d --name berth-$ID --label berth.session=$ID --network berth-$ID --user 1000:1000 \
    --memory 1g --memory-swap 1g --cpus 1 --pids-limit 512 \
    --security-opt seccomp=$SECCOMP --security-opt apparmor=unconfined --security-opt systempaths=unconfined \
    --read-only --tmpfs /tmp:rw,nosuid,nodev,size=256m \
    --tmpfs /run/user/1000:rw,nosuid,nodev,size=64m,uid=1000,gid=1000,mode=0700 \
    -v "$MNT/user:/home/user" -v "$MNT/docker:/var/lib/docker" -v /dev/net/tun:/dev/net/tun "$IMAGE" >/dev/null
}
# Readiness is timed from the host through the entrypoint's log on the
# session disk (a `docker exec` per poll would add ~0.1 s of its own), then
# /run/user/1000/engine-ready is checked once inside the container.
wait_ready() {
  local s=$1 i
  for i in $(seq 3000); do
    if grep -qs '^\[berth-entrypoint\] ready' "$MNT/user/.berth/engine.log"; then
      awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'
      $D exec berth-$ID test -e /run/user/1000/engine-ready || echo " (but engine-ready is MISSING)"
      return 0
    fi
    sleep 0.01
  done
  echo "NOT READY"; $D logs berth-$ID; return 1
}
t1=$(date +%s.%N)
run
echo "ready after docker run: $(wait_ready "$t1") s (from network create: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}') s)"
sleep 3
echo "idle memory, fresh session:"
$D stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}} pids' berth-$ID

$D exec -u 1000 berth-$ID bash -lc 'docker version; docker run --rm hello-world; docker run -d -p 8080:80 nginx; sleep 1; curl -s localhost:8080 | head -5; docker run --rm debian bash -c "apt-get update && apt-get install -y --no-install-recommends cowsay"; docker build -t x - <<<"FROM busybox
RUN echo hi > /f"; docker run -d -p 5000:5000 registry; sleep 1; docker tag busybox localhost:5000/b; docker push localhost:5000/b; docker network create n1; docker volume create v1; id -u; find / -xdev -perm /6000 2>/dev/null'
echo "exit status of the tutorial commands: $? (the last one is find, which exits 1 on unreadable dirs)"
echo "setuid/setgid files in the session: [$($D exec berth-$ID find / -xdev -perm /6000 2>/dev/null)] (must be empty)"

echo "DNS inside (must fail fast, not hang):"
$D exec berth-$ID bash -lc 'time (docker run --rm busybox nslookup example.com; docker network create n2 >/dev/null; docker run --rm --network n2 busybox nslookup example.com; docker network rm n2 >/dev/null)' 2>&1 | grep -E "^real|can.t|server"
echo "write outside home/var-lib-docker/tmp/run-user must fail:"
$D exec berth-$ID bash -c 'touch /etc/x /usr/x /x 2>&1 | sed "s/^/  /"'
ip=$($D inspect -f "{{(index .NetworkSettings.Networks \"berth-$ID\").IPAddress}}" berth-$ID)
echo "nginx on the session's own IP ($ip:8080): $(curl -s -m 3 -o /dev/null -w '%{http_code}' http://$ip:8080/)"

$D exec berth-$ID bash -lc 'docker rm -f $(docker ps -aq) >/dev/null'
sleep 5
echo "idle memory (after the nested containers were removed):"
$D stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}} pids' berth-$ID

echo "restart of the same container:"
t2=$(date +%s.%N); $D restart -t 5 berth-$ID >/dev/null
echo "ready after restart: $(wait_ready "$t2") s"
$D exec berth-$ID bash -lc 'docker images --format "{{.Repository}}:{{.Tag}}" | sort | tr "\n" " "; echo; docker run --rm hello-world | grep Hello'
