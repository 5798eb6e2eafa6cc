// The firewall's IPv4 chains would be worth little if a session could go around them over IPv6: the host
// listens on IPv6 too (any service bound to [::]), and a bridge gets a link-local address by default.
// A session has no IPv6 address, cannot give itself one, and the host's side of its bridge has none.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { useReadySession } from '../helpers.js';

/** The link-local address Linux gives an interface by default (EUI-64 of its MAC). */
function linkLocalOf(mac: string): string {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  b[0]! ^= 0x02;
  const words = [(b[0]! << 8) | b[1]!, (b[2]! << 8) | 0xff, (0xfe << 8) | b[3]!, (b[4]! << 8) | b[5]!];
  return `fe80::${words.map((w) => w.toString(16)).join(':')}`;
}

describe('a session has no IPv6 path', () => {
  const ctx = useReadySession();
  const visitor = async (script: string) => {
    const r = await ctx.server.berth.runtime.exec(ctx.session.id, ['bash', '-c', script], { timeoutMs: 60_000 });
    return { exit: r.exitCode, out: r.output };
  };

  test('the session has no IPv6 address and cannot turn IPv6 on', async () => {
    const addrs = await visitor('cat /proc/net/if_inet6 2>&1; echo end');
    assert.deepEqual(addrs.out.trim().split('\n').filter((l) => !/ lo$/.test(l)), ['end']);
    const enable = await visitor('echo 0 > /proc/sys/net/ipv6/conf/all/disable_ipv6 2>&1');
    assert.notEqual(enable.exit, 0);
    assert.match(enable.out, /Read-only file system|Permission denied/);
  });

  test('the host\'s IPv6 services cannot be reached through the session\'s bridge', async () => {
    let reached = 0;
    const listener = net.createServer((c) => {
      reached++;
      c.end('host secret\n');
    });
    await new Promise<void>((r) => listener.listen({ port: 0, host: '::', ipv6Only: true }, r));
    const port = (listener.address() as net.AddressInfo).port;
    try {
      const gateway = (await visitor("ip route | awk '/default/ {print $3}'")).out.trim();
      // The host's side of the session's bridge: the interface holding the session's gateway address.
      const bridge = /^\d+:\s+(\S+)/.exec(execFileSync('ip', ['-o', '-4', 'addr', 'show', 'to', `${gateway}/32`], { encoding: 'utf8' }))?.[1];
      assert.ok(bridge, `no host interface has ${gateway}`);
      assert.equal(fs.readFileSync(`/proc/sys/net/ipv6/conf/${bridge}/disable_ipv6`, 'utf8').trim(), '1', `${bridge} has IPv6 on`);
      const mac = fs.readFileSync(`/sys/class/net/${bridge}/address`, 'utf8').trim();
      for (const target of [`[${linkLocalOf(mac)}%25eth0]`, '[::1]']) {
        const r = await visitor(`curl -g -sS -m 5 http://${target}:${port}/ 2>&1`);
        assert.notEqual(r.exit, 0, `${target}: ${r.out}`);
        assert.doesNotMatch(r.out, /host secret/);
      }
      const nested = await visitor(`docker run --rm busybox sh -c 'nc -w 5 ${linkLocalOf(mac)}%eth0 ${port} </dev/null; echo "nc exit $?"' 2>&1`);
      assert.match(nested.out, /nc exit [1-9]/);
      assert.equal(reached, 0, 'the host\'s IPv6 listener was reached');
    } finally {
      listener.close();
    }
  });
});
