// A visitor is hostile: each of these escape attempts, from the session shell (uid 1000) and from a
// nested container the visitor starts (root in the rootless engine's user namespace on the docker runtime; root
// of an unprivileged LXD container on the lxd runtime), must fail — and the test asserts the specific refusal,
// not just a non-zero exit. It runs on both runtimes (BERTH_RUNTIME=lxd: the lxd suite).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createSession, startTestServer, type CreatedSession, type TestServer } from '../helpers.js';

describe('escape attempts', () => {
  let server: TestServer;
  let s: CreatedSession;
  let other: CreatedSession;

  /** Runs a script as the visitor; returns its exit status and output. */
  const visitor = async (script: string, timeoutMs = 60_000) => {
    const r = await server.berth.runtime.exec(s.id, ['bash', '-c', script], { timeoutMs });
    return { exit: r.exitCode, out: r.output };
  };
  /** Runs a script as root in a nested busybox container the visitor starts. */
  const nested = (script: string) => visitor(`docker run --rm busybox sh -c '${script}' 2>&1`);
  const refused = (r: { exit: number; out: string }, why: RegExp) => {
    assert.notEqual(r.exit, 0, r.out);
    assert.match(r.out, why);
  };

  before(async () => {
    server = await startTestServer();
    [s, other] = await Promise.all([createSession(server), createSession(server)]);
    assert.equal(await server.berth.sessions.get(s.id)!.ready, true);
    assert.equal(await server.berth.sessions.get(other.id)!.ready, true);
    assert.equal((await visitor('docker pull -q busybox')).exit, 0);
  });
  after(async () => server?.close());

  test('1. write the host kernel core_pattern', async () => {
    const before = fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8');
    refused(await visitor('echo "|/tmp/x" > /proc/sys/kernel/core_pattern 2>&1'), /Permission denied/);
    refused(await nested('echo "|/tmp/x" > /proc/sys/kernel/core_pattern'), /Read-only file system/);
    assert.equal(fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8'), before);
  });

  test('2. mount a cgroup hierarchy to write release_agent', async () => {
    refused(await visitor('mkdir -p /tmp/cg && mount -t cgroup -o memory cgroup /tmp/cg 2>&1'), /must be superuser/);
    refused(await nested('mkdir -p /tmp/cg && mount -t cgroup -o memory cgroup /tmp/cg && echo /x > /tmp/cg/release_agent'), /permission denied/);
  });

  test('3. make a device node for the host disk and mount it', async () => {
    refused(await visitor('mknod /tmp/vda b 254 0 2>&1'), /Operation not permitted/);
    refused(await nested('mknod /tmp/vda b 254 0 && mount /tmp/vda /mnt'), /Operation not permitted/);
    assert.equal((await visitor('ls /dev | grep -E "^(vd|sd|nvme|loop|dm-)" | wc -l')).out.trim(), '0', 'no disk device is visible');
  });

  test('4. nsenter into the namespaces of PID 1', async () => {
    refused(await visitor('nsenter -t 1 -m -u -i -n -p true 2>&1'), /Operation not permitted/);
    refused(await nested('nsenter -t 1 -m -p true'), /Operation not permitted/);
  });

  test('5. find or reach the host Docker socket or Berth\'s engine socket', async () => {
    refused(await visitor('ls /var/run/docker.sock /run/docker.sock /run/berth/engine.sock 2>&1'), /No such file or directory/);
    // The only engine socket the visitor can find is their own rootless engine's.
    const found = await visitor('find / \\( -name "docker.sock" -o -name "engine.sock" \\) 2>/dev/null');
    assert.deepEqual(found.out.trim().split('\n'), ['/run/user/1000/docker.sock']);
  });

  test('6. reach the host\'s own services through the gateway (only the mirror and package cache answer)', async () => {
    const listener = net.createServer((c) => c.end('host secret\n')).listen(0, '0.0.0.0');
    await new Promise((r) => listener.once('listening', r));
    const port = (listener.address() as net.AddressInfo).port;
    try {
      // The gateway to the mirror (an lxd sandbox has no default route: nothing else is reachable).
      const gateway = (await visitor("ip route get 198.18.0.1 | sed -n 's/.* via \\([0-9.]*\\) .*/\\1/p'")).out.trim();
      assert.match(gateway, /^\d+\.\d+\.\d+\.\d+$/);
      refused(await visitor(`curl -sS -m 5 http://${gateway}:${port}/ 2>&1`), /Could(?:n't| not) connect to server|Connection refused/);
      refused(await visitor(`curl -sS -m 5 http://198.18.0.1:${port}/ 2>&1`), /Could(?:n't| not) connect to server|Connection refused/);
      const fromNested = await nested(`nc -w 5 ${gateway} ${port} </dev/null; echo "nc exit $?"`);
      assert.doesNotMatch(fromNested.out, /host secret/);
      assert.match(fromNested.out, /nc exit [1-9]/);
      assert.match((await visitor('curl -s -m 5 http://198.18.0.1:5000/v2/_catalog')).out, /library\/busybox/);
    } finally {
      listener.close();
    }
  });

  test('7. reach the cloud metadata address or the internet', async () => {
    refused(await visitor('curl -sS -m 5 http://169.254.169.254/ 2>&1'), /Could(?:n't| not) connect to server|Connection refused/);
    refused(await visitor('curl -sS -m 5 http://1.1.1.1/ 2>&1'), /Could(?:n't| not) connect to server|Connection refused/);
    assert.match((await nested('nc -w 5 169.254.169.254 80 </dev/null; echo "nc exit $?"')).out, /nc exit [1-9]/);
  });

  test('8. reach another session: its containers, its inner engine, its published ports', async () => {
    const otherRun = await server.berth.runtime.exec(other.id, ['bash', '-c', 'docker run -d -p 8088:80 nginx >/dev/null && hostname -I'], { timeoutMs: 60_000 });
    const otherIp = /^(\d+\.\d+\.\d+\.\d+)/m.exec(otherRun.output)?.[1];
    assert.ok(otherIp, otherRun.output);
    refused(await visitor(`curl -sS -m 5 http://${otherIp}:8088/ 2>&1`), /Could(?:n't| not) connect to server|Connection refused/);
    refused(await visitor(`curl -sS -m 5 http://${otherIp}:2375/ 2>&1`), /Could(?:n't| not) connect to server|Connection refused/);
    assert.equal((await visitor('docker ps -aq --filter publish=8088')).out.trim(), '', 'the other session\'s container is not in this engine');
  });

  test('9. load a kernel module', async () => {
    refused(await nested('head -c 4096 /dev/zero > /tmp/x.ko && insmod /tmp/x.ko'), /Operation not permitted/);
    refused(await visitor('command -v insmod modprobe || exit 1'), /^$/);
  });

  test('10. become root through sudo, su, or a setuid/setgid file', async () => {
    refused(await visitor('command -v sudo || exit 1'), /^$/);
    refused(await visitor('su -c id root </dev/null 2>&1'), /Authentication failure/);
    assert.equal((await visitor('find / -xdev -perm /6000 -type f 2>/dev/null | wc -l')).out.trim(), '0');
    assert.match((await visitor('grep CapEff /proc/self/status')).out, /CapEff:\s+0000000000000000/);
  });

  test('11. read another session\'s files or the host\'s', async () => {
    refused(await visitor('ls /var/lib/berth 2>&1'), /No such file or directory/);
    refused(await visitor('docker run --rm -v /:/host busybox ls /host/var/lib/berth 2>&1'), /No such file or directory/);
    assert.equal((await visitor('find / -xdev -name "disk.ext4" 2>/dev/null | wc -l')).out.trim(), '0');
    assert.equal((await visitor('ls /home')).out.trim(), 'user');
  });

  test('12. change the firewall', async () => {
    const rules = () => execFileSync('iptables', ['-w', '-S', 'BERTH-FORWARD'], { encoding: 'utf8' }) + execFileSync('iptables', ['-w', '-S', 'BERTH-INPUT'], { encoding: 'utf8' });
    const before = rules();
    refused(await visitor('iptables -I INPUT -j ACCEPT 2>&1'), /Permission denied \(you must be root\)/);
    refused(await visitor('iptables -F 2>&1'), /Permission denied \(you must be root\)/);
    assert.equal(rules(), before);
  });

  test('13. trigger the host kernel through /proc/sysrq-trigger', async () => {
    refused(await visitor('echo b > /proc/sysrq-trigger 2>&1'), /No such file or directory|Permission denied/);
    refused(await nested('echo b > /proc/sysrq-trigger'), /nonexistent directory|Read-only file system|Permission denied/);
  });

  test('14. a nested --privileged container gets no host privileges', async () => {
    if (server.config.runtime === 'docker') {
      // The rootless engine cannot even start it.
      refused(await visitor('docker run --rm --privileged busybox true 2>&1'), /operation not permitted/);
      return;
    }
    // On lxd it starts: its root is the sandbox's, an unprivileged range of host uids, with nothing of the host's.
    const privileged = (script: string) => visitor(`docker run --rm --privileged busybox sh -c '${script}' 2>&1`);
    const before = fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8');
    refused(await privileged('echo "|/tmp/x" > /proc/sys/kernel/core_pattern'), /Permission denied/);
    assert.equal(fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8'), before);
    // LXD's seccomp answers init_module with ENOSYS.
    refused(await privileged('head -c 4096 /dev/zero > /tmp/x.ko && insmod /tmp/x.ko'), /kernel does not support requested operation/);
    refused(await privileged('mknod /tmp/vda b 254 0 && mount /tmp/vda /mnt'), /Operation not permitted|Permission denied/);
    refused(await privileged('echo b > /proc/sysrq-trigger'), /nonexistent directory|Read-only file system|Permission denied/);
  });

  test('15. see the host\'s processes (Berth\'s server, the session engine)', async () => {
    const ps = (await visitor('ps -e -o args=')).out;
    assert.doesNotMatch(ps, /userns-remap|server\/src\/server\.ts|process_api|apt-cacher-ng|docker-registry serve/);
    assert.match(ps, server.config.runtime === 'docker' ? /rootlesskit/ : /dockerd/, 'the session sees its own processes');
  });
});
