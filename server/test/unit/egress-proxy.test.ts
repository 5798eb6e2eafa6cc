// The egress proxy against hostile sessions: every byte of a request head is the visitor's, and every host
// they name is theirs to choose. Each attack is a test named for it. The upstream here is a local server
// on a loopback address (the proxy is told to allow that one address); server/test/engine/egress.test.ts
// runs the real proxy against the real registry from a real session.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { HostAllowList, hostName, parseEgressHosts } from '../../src/egress/allow-list.js';
import { createEgressProxy, type EgressLogEntry } from '../../src/egress/egress-proxy.js';
import { isPublicAddress } from '../../src/egress/public-address.js';
import { MAX_HEAD_BYTES, MAX_REQUEST_LINE, RequestHeadReader } from '../../src/egress/request-head.js';
import { SessionLimits } from '../../src/egress/session-limits.js';

const UPSTREAM_IP = '127.0.0.2';

/** What a raw client sees: the proxy's whole answer (until it closes) or what arrived when `until` matched. */
function talk(port: number, send: (s: net.Socket) => void, until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (c) => {
      got += c.toString('latin1');
      if (until?.test(got)) {
        s.destroy();
        resolve(got);
      }
    });
    s.on('close', () => resolve(got));
    s.on('error', reject);
    s.on('connect', () => send(s));
  });
}

describe('the egress proxy', () => {
  const logs: EgressLogEntry[] = [];
  const lookups: string[] = [];
  /** Names and what they resolve to: the attacker's DNS among them. */
  const dnsAnswers: Record<string, string[]> = {
    'allowed.test': [UPSTREAM_IP],
    'rebind.allowed.test': ['127.0.0.1'],
    'mapped.allowed.test': ['::ffff:127.0.0.1'],
    'metadata.allowed.test': ['169.254.169.254'],
    'service.allowed.test': ['198.18.0.1'],
    'private.allowed.test': ['203.0.113.9', '10.0.0.5'],
  };
  let upstream: net.Server;
  let upstreamPort = 0;
  let proxy: net.Server;
  let port = 0;
  const received: string[] = [];

  before(async () => {
    upstream = net.createServer((s) => {
      let text = '';
      s.on('data', (c) => {
        text += c.toString('latin1');
        if (text.includes('\r\n\r\n') || text.startsWith('PING')) {
          received.push(text);
          s.end(text.startsWith('PING') ? 'PONG' : 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello');
        }
      });
    });
    await new Promise<void>((r) => upstream.listen(0, UPSTREAM_IP, r));
    upstreamPort = (upstream.address() as net.AddressInfo).port;
    proxy = createEgressProxy({
      allow: new HostAllowList(['allowed.test', '*.allowed.test']),
      limits: new SessionLimits({ connections: 4, bytesPerSecond: 10 * 2 ** 20, bytesPerHour: 2 ** 30 }),
      refuse: ['198.18.0.1'],
      log: (e) => logs.push(e),
      lookup: async (host) => {
        lookups.push(host);
        const a = dnsAnswers[host];
        if (!a) throw new Error('ENOTFOUND');
        return a;
      },
      headTimeoutMs: 300,
      ports: [upstreamPort],
      addressAllowed: (a) => a === UPSTREAM_IP || isPublicAddress(a, ['198.18.0.1']),
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    port = (proxy.address() as net.AddressInfo).port;
  });
  after(async () => {
    proxy.close();
    upstream.close();
  });

  test('CONNECT to an allowed name opens a tunnel to it, and the log line says who, where, how much', async () => {
    const got = await talk(port, (s) => s.write(`CONNECT allowed.test:${upstreamPort} HTTP/1.1\r\nHost: allowed.test\r\n\r\nPING`), /PONG/);
    assert.match(got, /^HTTP\/1\.1 200 Connection established\r\n\r\nPONG/);
    await waitFor(() => logs.some((l) => l.host === 'allowed.test' && l.verdict === 'passed'));
    const line = logs.find((l) => l.host === 'allowed.test')!;
    assert.deepEqual([line.session, line.method, line.port, line.up, line.down], ['127.0.0.1', 'CONNECT', upstreamPort, 4, 4]);
  });

  test('a plain-http request is passed on in origin form, with its Host set to the URL\'s and proxy headers dropped', async () => {
    const got = await talk(port, (s) =>
      s.write(`GET http://allowed.test:${upstreamPort}/pkg?x=1 HTTP/1.1\r\nHost: internal.example\r\nProxy-Authorization: Basic eA==\r\nAccept: */*\r\n\r\n`),
    );
    assert.match(got, /^HTTP\/1\.1 200 OK[\s\S]*hello$/);
    const sent = received.find((r) => r.startsWith('GET /pkg?x=1 '))!;
    assert.match(sent, new RegExp(`^GET /pkg\\?x=1 HTTP/1\\.1\\r\\nHost: allowed\\.test:${upstreamPort}\\r\\nAccept: \\*/\\*\\r\\nConnection: close\\r\\n\\r\\n$`));
  });

  test('attack: CONNECT to a host not on the allow-list is refused before any lookup', async () => {
    const got = await talk(port, (s) => s.write(`CONNECT evil.example:${upstreamPort} HTTP/1.1\r\n\r\n`));
    assert.match(got, /^HTTP\/1\.1 403 Forbidden[\s\S]*evil\.example is not on this host's egress allow-list/);
    for (const sneaky of ['allowed.test.evil.example', 'evilallowed.test', 'allowed.testx']) {
      assert.match(await talk(port, (s) => s.write(`CONNECT ${sneaky}:${upstreamPort} HTTP/1.1\r\n\r\n`)), /^HTTP\/1\.1 403 /, sneaky);
    }
    assert.ok(!lookups.some((h) => h.includes('evil')), 'no lookup of a name that is not allowed');
  });

  test('attack: CONNECT to an IP literal (dotted, IPv6, decimal, hex) is refused', async () => {
    for (const target of ['127.0.0.1', UPSTREAM_IP, '[::1]', '2130706433', '0x7f.1', '127.1', '169.254.169.254']) {
      const got = await talk(port, (s) => s.write(`CONNECT ${target}:${upstreamPort} HTTP/1.1\r\n\r\n`));
      assert.match(got, /^HTTP\/1\.1 403 Forbidden[\s\S]*IP address, not a host name/, target);
    }
    assert.match(await talk(port, (s) => s.write(`GET http://${UPSTREAM_IP}:${upstreamPort}/ HTTP/1.1\r\n\r\n`)), /^HTTP\/1\.1 403 [\s\S]*IP address/);
  });

  test('attack: an allowed name that resolves to 127.0.0.1 (DNS rebinding) is refused, and nothing is connected', async () => {
    const before = received.length;
    for (const [name, address] of [
      ['rebind.allowed.test', '127.0.0.1'],
      ['mapped.allowed.test', '::ffff:127.0.0.1'],
      ['metadata.allowed.test', '169.254.169.254'],
      ['service.allowed.test', '198.18.0.1'],
      ['private.allowed.test', '10.0.0.5'],
    ] as const) {
      const got = await talk(port, (s) => s.write(`CONNECT ${name}:${upstreamPort} HTTP/1.1\r\n\r\n`));
      assert.match(got, new RegExp(`^HTTP/1\\.1 403 [\\s\\S]*resolves to ${address.replace(/\./g, '\\.')}, an address on the host's own networks`), name);
    }
    assert.equal(received.length, before);
  });

  test('attack: a port other than the proxied ones is refused', async () => {
    assert.match(await talk(port, (s) => s.write('CONNECT allowed.test:22 HTTP/1.1\r\n\r\n')), /^HTTP\/1\.1 403 [\s\S]*port 22 is not proxied/);
  });

  test('attack: a huge header is refused at the head limit, and the proxy holds no more than that', async () => {
    const reader = new RequestHeadReader();
    const chunk = Buffer.from(`X-Pad: ${'a'.repeat(1000)}\r\n`);
    assert.equal(reader.push(Buffer.from('CONNECT allowed.test:443 HTTP/1.1\r\n')), undefined);
    let status = 0;
    let fed = 0;
    try {
      for (let i = 0; i < 1000; i++) {
        fed += chunk.length;
        reader.push(chunk);
      }
    } catch (err) {
      status = (err as { status: number }).status;
    }
    assert.equal(status, 431);
    assert.ok(fed <= MAX_HEAD_BYTES + chunk.length, 'refused as soon as the limit passed');
    assert.ok(reader.examined <= 2 * MAX_HEAD_BYTES, `looked at ${reader.examined} bytes`);
    const got = await talk(port, (s) => s.write(`GET http://allowed.test/ HTTP/1.1\r\nX-Pad: ${'a'.repeat(MAX_HEAD_BYTES * 4)}\r\n\r\n`));
    assert.match(got, /^HTTP\/1\.1 431 /);
  });

  test('attack: a request line past its limit gets 414 before the head is complete', async () => {
    const got = await talk(port, (s) => s.write(`GET http://allowed.test/${'a'.repeat(MAX_REQUEST_LINE + 10)}`));
    assert.match(got, /^HTTP\/1\.1 414 /);
  });

  test('attack: a head sent one byte at a time is read in linear time', () => {
    const reader = new RequestHeadReader();
    const head = Buffer.from(`CONNECT allowed.test:443 HTTP/1.1\r\n${'X-A: b\r\n'.repeat(60)}\r\n`);
    let result;
    for (let i = 0; i < head.length; i++) result = reader.push(head.subarray(i, i + 1));
    assert.equal(result?.headers.length, 60);
    assert.ok(reader.examined <= 5 * head.length, `looked at ${reader.examined} bytes for ${head.length}`);
  });

  test('attack: slowloris (a head that never completes) is answered 408 and closed at the head timeout', async () => {
    let timer: NodeJS.Timeout | undefined;
    const got = await talk(port, (s) => {
      s.write('CONNECT allowed.test:443 HTTP/1.1\r\n');
      timer = setInterval(() => !s.destroyed && s.write('X'), 50);
    });
    clearInterval(timer);
    assert.match(got, /^HTTP\/1\.1 408 Request Timeout[\s\S]*did not arrive within/);
    await waitFor(() => logs.some((l) => l.reason === 'slow request head'));
  });

  test('attack: request smuggling shapes (folded header, bare LF, bad names, other protocols) are refused', async () => {
    for (const [head, status] of [
      ['GET http://allowed.test/ HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n', 400],
      ['GET http://allowed.test/ HTTP/1.1\r\nX-A: 1\nHost: other\r\n\r\n', 400],
      ['GET http://allowed.test/ HTTP/1.1\r\nBad Name: 1\r\n\r\n', 400],
      ['GET http://allowed.test/ HTTP/2.0\r\n\r\n', 400],
      ['TRACE http://allowed.test/ HTTP/1.1\r\n\r\n', 501],
      ['GET /relative HTTP/1.1\r\nHost: allowed.test\r\n\r\n', 400],
      ['GET http://user:pw@allowed.test/ HTTP/1.1\r\n\r\n', 400],
      ['\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n', 400],
    ] as const) {
      const got = await talk(port, (s) => s.write(head));
      assert.match(got, new RegExp(`^HTTP/1\\.1 ${status} `), JSON.stringify(head));
    }
  });

  test('attack: more connections at once than a session may hold are refused with 429', async () => {
    const held: net.Socket[] = [];
    for (let i = 0; i < 4; i++) {
      const s = net.connect(port, '127.0.0.1');
      await new Promise((r) => s.on('connect', r));
      held.push(s);
    }
    await new Promise((r) => setTimeout(r, 50));
    const got = await talk(port, (s) => s.write(`CONNECT allowed.test:${upstreamPort} HTTP/1.1\r\n\r\n`));
    assert.match(got, /^HTTP\/1\.1 429 [\s\S]*already holds 4 connections/);
    for (const s of held) s.destroy();
  });
});

test('the per-session rate: bytes past the second\'s allowance wait their turn; past the hour\'s, the connection ends', () => {
  let now = 0;
  const limits = new SessionLimits({ connections: 2, bytesPerSecond: 1000, bytesPerHour: 5000 }, () => now);
  assert.equal(limits.passed('10.224.0.2', 1000), 0);
  assert.equal(limits.passed('10.224.0.2', 500), 500, 'half a second to earn 500 more bytes');
  assert.equal(limits.passed('10.224.0.10', 1000), 0, 'another session has its own allowance');
  now += 1500;
  assert.equal(limits.passed('10.224.0.2', 1000), 0);
  assert.equal(limits.passed('10.224.0.2', 2600), Infinity, 'the hour\'s 5000 bytes are spent');
  assert.match(limits.opened('10.224.0.2') ?? '', /download allowance for the hour/);
  now += 2 * 3600_000;
  assert.equal(limits.opened('10.224.0.2'), undefined, 'a new hour, a new allowance');
});

test('host names: IP literals and numeric forms are not names; the allow-list matches names and their subdomains only', () => {
  for (const raw of ['127.0.0.1', '[::1]', '::1', '2130706433', '0x7f000001', '127.1', '1.2.3.04']) assert.equal(hostName(raw).ok, false, raw);
  assert.deepEqual(hostName('Allowed.TEST.'), { ok: true, host: 'allowed.test' });
  assert.equal(hostName('a..b').ok, false);
  assert.equal(hostName(`${'a'.repeat(64)}.test`).ok, false);
  const list = new HostAllowList(['exact.test', '*.wild.test']);
  assert.deepEqual(['exact.test', 'sub.exact.test', 'a.wild.test', 'a.b.wild.test', 'wild.test', 'evilwild.test'].map((h) => list.allows(h)), [true, false, true, true, false, false]);
  const parsed = parseEgressHosts('pkgs.example.org, https://code.example.org/path *.cdn.example.org 10.0.0.1 *.org');
  assert.deepEqual(parsed.hosts, ['pkgs.example.org', 'code.example.org', '*.cdn.example.org']);
  assert.deepEqual(parsed.problems, ['10.0.0.1 is an IP address, not a host name', '*.org would allow a whole top-level domain']);
});

test('addresses: loopback, private, link-local, metadata, the service range and IPv4 hidden in IPv6 are not public', () => {
  const inside = ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '198.18.0.1', '198.19.255.1', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::a9fe:a9fe', '::127.0.0.1', 'ff02::1'];
  const outside = ['93.184.216.34', '203.0.113.80', '8.8.8.8', '2606:4700::1111', '::ffff:93.184.216.34'];
  for (const a of inside) assert.equal(isPublicAddress(a), false, a);
  for (const a of outside) assert.equal(isPublicAddress(a), true, a);
  assert.equal(isPublicAddress('93.184.216.34', ['93.184.216.34']), false, 'an address the operator refuses');
});

async function waitFor(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
