#!/bin/bash
# Runs INSIDE the session rootfs (chroot, as root) after the packages are
# installed and Berth's files are copied in. Turns it into a sandbox image
# with no root and no setuid/setgid binary.
set -euo pipefail

# The visitor: uid/gid 1000, bash.
if ! getent passwd user >/dev/null; then
  groupadd -g 1000 user
  useradd -u 1000 -g 1000 -m -d /home/user -s /bin/bash user
fi
chown 1000:1000 /home/user
chmod 755 /home/user

# Skel: the disk is empty on first start; the entrypoint copies /etc/skel.
if ! grep -q 'berth.sh' /etc/skel/.bashrc; then
  cat >>/etc/skel/.bashrc <<'EOB'

# Berth: prompt, DOCKER_HOST, docker completion
[ -r /etc/profile.d/berth.sh ] && . /etc/profile.d/berth.sh
EOB
fi
cp -a /etc/skel/. /home/user/
chown -R 1000:1000 /home/user

# Subordinate ids for the rootless engine (inside the session's own userns).
echo 'user:65536:65536' >/etc/subuid
echo 'user:65536:65536' >/etc/subgid

# newuidmap/newgidmap: file capabilities instead of setuid.
chmod u-s,g-s /usr/bin/newuidmap /usr/bin/newgidmap
setcap cap_setuid+ep /usr/bin/newuidmap
setcap cap_setgid+ep /usr/bin/newgidmap

# No sudo, no su-to-root path, no setuid/setgid bit anywhere.
if dpkg -s sudo >/dev/null 2>&1; then apt-get purge -y sudo; fi
find / -xdev -perm /6000 -type f -exec chmod ug-s {} + 2>/dev/null || true
find / -xdev -perm /6000 -type d -exec chmod g-s {} + 2>/dev/null || true

# XDG_RUNTIME_DIR (a tmpfs is mounted over it at run time).
mkdir -p /run/user/1000
chown 1000:1000 /run/user/1000
chmod 700 /run/user/1000

# The rootless engine's data-root, where a Docker host keeps it (the session disk's engine folder is
# mounted over it at run time: outside the home, so a `docker build .` in ~ never sends it as context).
mkdir -p /var/lib/docker
chown 1000:1000 /var/lib/docker
chmod 710 /var/lib/docker

# Berth's files (copied in by build-images.sh).
chmod 755 /usr/local/bin/berth-entrypoint /usr/local/lib/berth/engine-child /usr/local/lib/berth/berth-dns \
  /usr/local/lib/berth/host-shell /usr/local/lib/berth/sudo-helper /usr/local/lib/berth/berth-term
chmod 644 /etc/berth/daemon.json /etc/profile.d/berth.sh
