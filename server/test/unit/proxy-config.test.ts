import assert from 'node:assert/strict';
import http from 'node:http';
import os from 'node:os';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { clientAddressOf, fastifyTrustProxy, type TrustProxy } from '../../src/proxy-config.js';
import { PublicOrigin } from '../../src/routes/public-origin.js';

const refused = (env: Record<string, string>, pattern: RegExp) =>
  assert.throws(() => loadConfig(env), (err: Error) => err instanceof ConfigError && pattern.test(err.message), JSON.stringify(env));

describe('BERTH_PUBLIC_URL and BERTH_TRUST_PROXY at boot', () => {
  test('defaults: no public URL, no proxy trusted, visitors counted per browser and per address', () => {
    const c = loadConfig({});
    assert.equal(c.publicUrl, null);
    assert.equal(c.trustProxy, false);
    assert.equal(c.maxPerClient, 3);
    assert.equal(c.maxPerAddress, 40);
    assert.equal(c.startsPerAddressPerMin, 20);
  });

  test('a public URL is kept as its origin', () => {
    assert.equal(loadConfig({ BERTH_PUBLIC_URL: 'https://try.example.org' }).publicUrl, 'https://try.example.org');
    assert.equal(loadConfig({ BERTH_PUBLIC_URL: 'https://Try.Example.org:443/' }).publicUrl, 'https://try.example.org');
    assert.equal(loadConfig({ BERTH_PUBLIC_URL: 'http://lab.local:8080' }).publicUrl, 'http://lab.local:8080');
  });

  test('a public URL with a path, a query, credentials or another scheme stops Berth with the reason', () => {
    refused({ BERTH_PUBLIC_URL: 'try.example.org' }, /BERTH_PUBLIC_URL=try\.example\.org .*not a URL/);
    refused({ BERTH_PUBLIC_URL: 'https://try.example.org/berth' }, /BERTH_PUBLIC_URL=.*no path, query or fragment/);
    refused({ BERTH_PUBLIC_URL: 'https://try.example.org/?x=1' }, /no path, query or fragment/);
    refused({ BERTH_PUBLIC_URL: 'https://try.example.org/#top' }, /no path, query or fragment/);
    refused({ BERTH_PUBLIC_URL: 'https://try.example.org?' }, /no path, query or fragment/);
    refused({ BERTH_PUBLIC_URL: 'ftp://try.example.org' }, /http or https only/);
    refused({ BERTH_PUBLIC_URL: 'https://me:secret@try.example.org' }, /no user or password/);
  });

  test('BERTH_TRUST_PROXY: off unless set; true, a hop count, or addresses and networks', () => {
    assert.equal(loadConfig({ BERTH_TRUST_PROXY: '' }).trustProxy, false);
    assert.equal(loadConfig({ BERTH_TRUST_PROXY: 'false' }).trustProxy, false);
    assert.equal(loadConfig({ BERTH_TRUST_PROXY: 'true' }).trustProxy, true);
    assert.equal(loadConfig({ BERTH_TRUST_PROXY: '2' }).trustProxy, 2);
    assert.deepEqual(loadConfig({ BERTH_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1,fd00::/8,loopback' }).trustProxy, ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', 'loopback']);
  });

  test('a BERTH_TRUST_PROXY that is not an address, network or hop count stops Berth with the reason', () => {
    refused({ BERTH_TRUST_PROXY: 'yes' }, /BERTH_TRUST_PROXY=yes: "yes" is not an address or network/);
    refused({ BERTH_TRUST_PROXY: '10.0.0.0/33' }, /"10\.0\.0\.0\/33"/);
    refused({ BERTH_TRUST_PROXY: '127.0.0.1,proxy.example.org' }, /"proxy\.example\.org"/);
    refused({ BERTH_TRUST_PROXY: '0' }, /hop count is a whole number from 1 to 20/);
    refused({ BERTH_TRUST_PROXY: '127.0.0.1,' }, /"" is not an address/);
  });

  test('the per-address limits are validated like the others', () => {
    refused({ BERTH_MAX_SESSIONS_PER_ADDRESS: '0' }, /BERTH_MAX_SESSIONS_PER_ADDRESS=0 must be a whole number/);
    refused({ BERTH_STARTS_PER_ADDRESS_PER_MIN: 'many' }, /BERTH_STARTS_PER_ADDRESS_PER_MIN=many/);
  });

  test('a hop count trusts that many hops nearest Berth, no more', () => {
    const trust = fastifyTrustProxy(1) as (address: string, hop: number) => boolean;
    assert.equal(trust('127.0.0.1', 0), true);
    assert.equal(trust('203.0.113.9', 1), false);
  });
});

describe('PublicOrigin: which pages may open websockets, and the cookie names', () => {
  const port = 18080;
  const unset = new PublicOrigin(null, () => port);

  test('without a public URL: Berth own addresses at its listening port', () => {
    for (const origin of [`http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`, `http://${os.hostname()}:${port}`]) assert.equal(unset.allows(origin), true, origin);
    const addresses = Object.values(os.networkInterfaces()).flatMap((list) => list ?? []).filter((a) => !a.address.includes('%'));
    assert.ok(addresses.length > 0);
    for (const a of addresses) {
      const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      assert.equal(unset.allows(`http://${host}:${port}`), true, host);
    }
  });

  test('a DNS-rebinding name is refused, whatever Host it sends (the Host header is never consulted)', () => {
    assert.equal(unset.allows(`http://rebind.evil.example:${port}`), false);
    assert.equal(unset.allows(`http://127.0.0.1.evil.example:${port}`), false);
  });

  test('another port, https, a "null" origin or garbage is refused; no Origin (not a browser) is allowed', () => {
    assert.equal(unset.allows(`http://localhost:${port + 1}`), false);
    assert.equal(unset.allows('http://localhost'), false);
    assert.equal(unset.allows(`https://localhost:${port}`), false);
    assert.equal(unset.allows('null'), false);
    assert.equal(unset.allows('not a url'), false);
    assert.equal(unset.allows(undefined), true);
  });

  test('with a public URL: that origin only, not Berth own addresses', () => {
    const site = new PublicOrigin('https://try.example.org', () => port);
    assert.equal(site.allows('https://try.example.org'), true);
    assert.equal(site.allows('https://try.example.org:443'), true);
    assert.equal(site.allows('http://try.example.org'), false);
    assert.equal(site.allows('https://evil.try.example.org'), false);
    assert.equal(site.allows(`http://localhost:${port}`), false);
  });
});

describe("the port links' listener (outside Fastify) reads the visitor's address as Fastify does", () => {
  /** What clientAddressOf(trust) makes of one real request from 127.0.0.1 with these headers. */
  async function addressSeen(trust: TrustProxy, headers: Record<string, string>): Promise<string> {
    const of = clientAddressOf(trust);
    const server = http.createServer((req, res) => res.end(of(req)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      return await (await fetch(`http://127.0.0.1:${port}/`, { headers })).text();
    } finally {
      server.close();
    }
  }

  test('without BERTH_TRUST_PROXY the connection is the visitor, whatever X-Forwarded-For says', async () => {
    assert.equal(await addressSeen(false, { 'x-forwarded-for': '203.0.113.7' }), '127.0.0.1');
  });

  test('behind a trusted proxy, the address it forwards; from an address not trusted, the connection', async () => {
    assert.equal(await addressSeen(['127.0.0.1'], { 'x-forwarded-for': '203.0.113.7' }), '203.0.113.7');
    assert.equal(await addressSeen(['10.0.0.0/8'], { 'x-forwarded-for': '203.0.113.7' }), '127.0.0.1');
    // A visitor's own header, passed on by an appending proxy, is left of what the proxy saw.
    assert.equal(await addressSeen(1, { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' }), '203.0.113.7');
    assert.equal(await addressSeen(['127.0.0.1'], {}), '127.0.0.1');
  });
});
