// The learner's shell sits where a Docker host's shell sits (native/session/host-shell): inside the rootless
// engine's network and mount namespaces, as uid 1000 with no capability, with a `sudo` that is root of the
// engine's user namespace and of nothing else. Everything is typed in a real terminal, as a learner would.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { createSession, eventually, openPortLink, startTestServer, TerminalClient, type CreatedSession, type TestServer } from '../helpers.js';

describe('the shell of a Docker host', () => {
  let server: TestServer;
  let s: CreatedSession;
  let other: CreatedSession;
  let term: TerminalClient;
  let otherTerm: TerminalClient;

  const ok = async (t: TerminalClient, command: string, timeoutMs = 60_000) => {
    const r = await t.run(command, timeoutMs);
    assert.equal(r.exit, 0, `${command}\n${r.output}`);
    return r.output;
  };
  const portLinkText = async (session: CreatedSession, port: number, expect: RegExp) =>
    eventually(async () => {
      const link = await openPortLink(server, session, port);
      const text = await (await fetch(link.url, { headers: { cookie: link.cookie } })).text();
      assert.match(text, expect);
      return text;
    }, 15_000);

  before(async () => {
    server = await startTestServer();
    [s, other] = await Promise.all([createSession(server), createSession(server)]);
    [term, otherTerm] = await Promise.all([TerminalClient.connect(server, s), TerminalClient.connect(server, other)]);
    await Promise.all([term.ready(), otherTerm.ready()]);
    await Promise.all([ok(term, 'docker pull -q nginx && docker pull -q busybox'), ok(otherTerm, 'docker pull -q nginx')]);
  });
  after(async () => {
    await term?.close();
    await otherTerm?.close();
    await server?.close();
  });

  test('a container\'s IP answers curl from the shell, on the stock default bridge 172.17.0.0/16', async () => {
    const ip = (await ok(term, 'docker run -d --name web nginx >/dev/null && docker inspect -f "{{.NetworkSettings.IPAddress}}" web')).trim();
    assert.match(ip, /^172\.17\.0\.\d+$/);
    const page = await ok(term, `curl -sS -m 10 http://${ip}/`);
    assert.match(page, /Welcome to nginx/);
  });

  test('docker0 is visible to the shell with the stock address', async () => {
    assert.match(await ok(term, 'ip addr show docker0'), /inet 172\.17\.0\.1\/16/);
  });

  test('a --network host container serves on the shell\'s own 127.0.0.1, and gets a port link', async () => {
    await ok(term, `docker run -d --network host --name hostnet busybox sh -c 'mkdir /w && echo served-on-the-host-network > /w/index.html && exec httpd -f -p 8099 -h /w'`);
    const got = await ok(term, 'for i in $(seq 50); do curl -fsS -m 2 http://127.0.0.1:8099/ && break; sleep 0.2; done');
    assert.match(got, /served-on-the-host-network/);
    await term.waitForEvent((e) => e.type === 'port' && e.port === 8099 && !e.closed, 10_000, 'port 8099');
    await portLinkText(s, 8099, /served-on-the-host-network/);
  });

  test('docker network create makes a bridge the shell sees with ip link, on the next stock range', async () => {
    const id = (await ok(term, 'docker network create mynet')).trim();
    assert.match(await ok(term, 'ip link show'), new RegExp(`br-${id.slice(0, 12)}`));
    assert.match(await ok(term, `docker network inspect -f '{{(index .IPAM.Config 0).Subnet}}' mynet`), /^172\.18\.0\.0\/16$/m);
    assert.match(await ok(term, 'docker run -d --network mynet --name named nginx >/dev/null && docker run --rm --network mynet busybox wget -qO- http://named/'), /Welcome to nginx/);
  });

  test('a server started in the shell still gets a port link', async () => {
    await ok(term, `{ printf 'HTTP/1.1 200 OK\\r\\nContent-Length: 15\\r\\nConnection: close\\r\\n\\r\\nfrom the shell\\n'; sleep 120; } | nc -lk 8000 >/dev/null 2>&1 & true`);
    await term.waitForEvent((e) => e.type === 'port' && e.port === 8000 && !e.closed, 10_000, 'port 8000');
    await portLinkText(s, 8000, /from the shell/);
    await ok(term, 'kill %1');
    await term.waitForEvent((e) => e.type === 'port' && e.port === 8000 && e.closed === true, 10_000, 'port 8000 closed');
  });

  test('docker run -p still gets its port link', async () => {
    await ok(term, 'docker run -d -p 8081:80 nginx >/dev/null');
    await term.waitForEvent((e) => e.type === 'port' && e.port === 8081 && !e.closed, 10_000, 'port 8081');
    await portLinkText(s, 8081, /Welcome to nginx/);
  });

  test('the shell is uid 1000 with no capability; sudo is root of the engine\'s namespace', async () => {
    assert.match(await ok(term, 'id -u; grep CapEff /proc/self/status'), /^1000\n[^]*CapEff:\s+0000000000000000/m);
    assert.match(await ok(term, 'sudo id -u'), /^0$/m);
    await ok(term, 'sudo ip link add br0 type bridge && sudo ip link set br0 up');
    assert.match(await ok(term, 'ip -br link show br0'), /^br0\s+(UP|UNKNOWN)/m);
    assert.match(await ok(term, 'sudo docker ps --format "{{.Names}}"'), /^web$/m);
    assert.match(await ok(term, 'echo written-as-root | sudo tee /etc/berth-note >/dev/null && cat /etc/berth-note'), /written-as-root/);
    const apt = await term.run('sudo apt-get install -y cowsay 2>&1');
    assert.notEqual(apt.exit, 0);
    assert.match(apt.output, /Could not open lock file \/var\/lib\/dpkg\/lock-frontend[^]*berth: this sandbox's own system cannot be changed[^]*docker run -it debian/);
  });

  test('sudo gives no more than the visitor could already take: nsenter from beside the engine reaches the same root', async () => {
    const beside = await server.berth.runtime.exec(s.id, ['sh', '-c', 'nsenter -U --preserve-credentials -n -m -t "$(cat /run/user/1000/rootlesskit/child_pid)" sh -c "id -u; grep CapEff /proc/self/status; readlink /proc/self/ns/user /proc/self/ns/net"']);
    assert.equal(beside.exitCode, 0, beside.output);
    const viaSudo = await ok(term, 'sudo sh -c "id -u; grep CapEff /proc/self/status; readlink /proc/self/ns/user /proc/self/ns/net"');
    assert.match(beside.output, /^0\nCapEff:\s+0*1ffffffffff\n/);
    assert.equal(viaSudo.replace(/\r/g, '').trim(), beside.output.trim());
  });

  test('sudo\'s root cannot reach the host\'s services, the mirror\'s writable port or another session', async () => {
    const otherIp = await server.berth.runtime.address(other.id);
    await ok(otherTerm, 'docker run -d -p 8088:80 nginx >/dev/null && for i in $(seq 50); do curl -fs localhost:8088 >/dev/null && break; sleep 0.2; done');
    for (const url of [`http://${otherIp}:8088/`, 'http://10.0.2.2:5001/v2/', 'http://127.0.0.1:5001/v2/', `http://${server.config.serviceIp}:5001/v2/`, `http://${server.config.serviceIp}:22/`]) {
      for (const who of ['', 'sudo ']) {
        const r = await term.run(`${who}curl -sS -m 5 ${url} 2>&1`);
        assert.notEqual(r.exit, 0, `${who}curl ${url}: ${r.output}`);
        assert.match(r.output, /Could(?:n't| not) connect to server|Connection refused|No route to host|timed out/i, `${who}curl ${url}`);
      }
    }
  });

  test('sudo\'s root cannot leave the engine\'s user namespace or touch the host kernel', async () => {
    const refused = async (command: string, why: RegExp) => {
      const r = await term.run(`${command} 2>&1`);
      assert.notEqual(r.exit, 0, `${command}: ${r.output}`);
      assert.match(r.output, why, command);
    };
    await refused('sudo nsenter -t 1 -U -n -m true', /Operation not permitted|Permission denied/);
    await refused('sudo mknod /tmp/vda b 254 0', /Operation not permitted/);
    await refused('sudo mount -t cgroup -o memory cgroup /tmp', /permission denied|Operation not permitted/i);
    await refused('sudo sh -c "echo x > /proc/sys/kernel/core_pattern"', /Permission denied|Read-only file system/);
    await refused('sudo sh -c "echo b > /proc/sysrq-trigger"', /Permission denied|Read-only file system|No such file|nonexistent/);
    const rules = () => execFileSync('iptables', ['-w', '-S', 'BERTH-FORWARD'], { encoding: 'utf8' }) + execFileSync('iptables', ['-w', '-S', 'BERTH-INPUT'], { encoding: 'utf8' });
    const before = rules();
    await ok(term, 'sudo iptables -I INPUT -j ACCEPT && sudo iptables -D INPUT -j ACCEPT');
    assert.equal(rules(), before, 'the host firewall is unchanged: sudo\'s iptables is the engine\'s own');
  });

  test('Restart shell ends what sudo started', async () => {
    await ok(term, 'sudo sleep 4321 & true');
    const running = () => server.berth.runtime.exec(s.id, ['sh', '-c', 'pgrep -f "^sleep 4321$" || true']);
    // sudo forks the sleep a moment after the prompt is back: wait for it to run (a busy host: not at once).
    await eventually(async () => assert.match((await running()).output, /\d+/), 10_000);
    const screen = term.text.length;
    term.restartShell();
    await term.waitFor(() => /\$ $/.test(term.text.slice(screen)) || undefined, 30_000, 'the new shell\'s prompt');
    await eventually(async () => assert.equal((await running()).output.trim(), ''), 10_000);
    assert.match(await ok(term, 'sudo id -u'), /^0$/m, 'the new shell has sudo again');
  });
});
