// berth/nettools, the toolbox offered instead of nicolaka/netshoot, used as tutorials use netshoot inside a real
// session: next to a web server on a user network, its DNS, HTTP and socket tools reach the server by name, and
// in the server's own network namespace (--network container:web) ip and ss show the server's interface and port.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useSessionTerminal } from '../helpers.js';
import { eventuallySucceeds, removeAll, succeeds } from './image-use.js';

describe('the network toolbox image', () => {
  const ctx = useSessionTerminal();

  test('dig, nslookup, curl, nc and ping reach another container by name; ip and ss see inside its network namespace', async () => {
    await succeeds(ctx.term, 'docker network create toolnet >/dev/null && docker run -d --name web --network toolnet nginx >/dev/null');
    const tools = 'docker run --rm --network toolnet berth/nettools';
    await eventuallySucceeds(ctx.term, `${tools} curl -fsS http://web/`);
    const webIp = (await succeeds(ctx.term, "docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' web")).trim();
    assert.match(webIp, /^\d+\.\d+\.\d+\.\d+$/);
    const out = await succeeds(
      ctx.term,
      `${tools} sh -c 'dig +short web; nslookup web | grep -A1 "^Name:"; curl -fsS http://web/ | grep -o "<title>.*</title>"; nc -zv web 80 2>&1; ping -c 1 -W 5 web | grep -o "1 received"'`,
    );
    assert.match(out, new RegExp(`^${webIp.replace(/\./g, '\\.')}$`, 'm'), 'dig answers with the container\'s address');
    assert.match(out, new RegExp(`^Address: ${webIp.replace(/\./g, '\\.')}$`, 'm'), 'nslookup too');
    assert.match(out, /^<title>Welcome to nginx!<\/title>$/m);
    assert.match(out, /web \(\d+\.\d+\.\d+\.\d+\) 80 port \[tcp\/http\] succeeded!|Connection to web .*80.*succeeded/);
    assert.match(out, /^1 received$/m);
    const inside = await succeeds(ctx.term, `docker run --rm --network container:web berth/nettools sh -c 'ip -4 -o addr show eth0; ss -ltn'`);
    assert.match(inside, new RegExp(`inet ${webIp.replace(/\./g, '\\.')}/`));
    assert.match(inside, /LISTEN\s+\d+\s+\d+\s+0\.0\.0\.0:80\s/);
    const present = await succeeds(ctx.term, `docker run --rm berth/nettools sh -c 'for t in tcpdump iperf3 jq socat nmap mtr traceroute ethtool iptables ab; do command -v $t >/dev/null || echo missing $t; done; echo checked'`);
    assert.match(present, /^checked$/m);
    assert.doesNotMatch(present, /missing/);
    await removeAll(ctx.term, { containers: ['web'], networks: ['toolnet'], images: ['berth/nettools', 'nginx'] });
  });

  test('iperf3 measures the throughput between two containers', async () => {
    await succeeds(ctx.term, 'docker network create perfnet >/dev/null && docker run -d --name perf-server --network perfnet berth/nettools iperf3 -s >/dev/null');
    const out = await eventuallySucceeds(ctx.term, 'docker run --rm --network perfnet berth/nettools iperf3 -c perf-server -t 1');
    assert.match(out, /receiver$/m);
    await removeAll(ctx.term, { containers: ['perf-server'], networks: ['perfnet'], images: ['berth/nettools'] });
  });
});
