// A port link whose connections the runtime opens (a sandbox on another cluster member, reached through LXD's
// exec: SandboxRuntime.openPort) carries a request and a websocket's bytes as one dialled by address does. The
// "sandbox" here is a local server and the opener a plain TCP connection to it; server/test/cluster runs the
// port-link tests against sandboxes on other members.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { forwardRequest, type Upstream } from '../../src/ports/port-proxy.js';
import { forwardUpgrade, PortTunnels } from '../../src/ports/port-websocket.js';
import type { PortRoute } from '../../src/ports/ports-origin.js';
import { RelayGate } from '../../src/ports/relay-gate.js';
import { eventually } from '../helpers.js';

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

test('a request and a websocket go through connections the runtime opens', async () => {
  const app = http.createServer((req, res) => res.end(`app saw ${req.method} ${req.url} host=${req.headers.host}`));
  const upgraded: net.Socket[] = [];
  app.on('upgrade', (_req, socket: net.Socket) => {
    upgraded.push(socket);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n');
    socket.on('data', (d: Buffer) => socket.write(`echo:${d}`));
  });
  const appPort = await listen(app);
  const opened: number[] = [];
  const to: Upstream = { open: async (port) => (opened.push(port), net.connect(appPort, '127.0.0.1')) };
  const route = (appPath: string): PortRoute => ({ sessionId: 's1', port: 8080, appPath, origin: 'http://8080-s1.ports.test', prefix: '' });
  const tunnels = new PortTunnels();
  const proxy = http.createServer((req, res) => forwardRequest(req, res, route(req.url!), to));
  proxy.on('upgrade', (req, socket) => forwardUpgrade(req, socket, route(req.url!), to, tunnels));
  const proxyPort = await listen(proxy);
  try {
    const res = await fetch(`http://127.0.0.1:${proxyPort}/page?x=1`);
    assert.equal(await res.text(), 'app saw GET /page?x=1 host=localhost:8080');
    const ws = net.connect(proxyPort, '127.0.0.1');
    ws.write('GET /ws HTTP/1.1\r\nhost: 8080-s1.ports.test\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n');
    let seen = '';
    await new Promise<void>((resolve) => ws.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes('\r\n\r\n') && !seen.includes('echo:')) ws.write('hello');
      if (seen.includes('echo:hello')) resolve();
    }));
    assert.match(seen, /^HTTP\/1\.1 101 /);
    ws.destroy();
    assert.deepEqual(opened, [8080, 8080]);
  } finally {
    tunnels.closeAll();
    proxy.closeAllConnections();
    app.closeAllConnections();
    for (const socket of upgraded) socket.destroy();
    await new Promise((r) => proxy.close(r));
    await new Promise((r) => app.close(r));
  }
});

test('a connection the runtime cannot open is a page saying nothing answers, not a crash', async () => {
  const to: Upstream = { open: async () => { throw Object.assign(new Error('the sandbox is gone'), { code: 'ENOTFOUND' }); } };
  const proxy = http.createServer((req, res) => forwardRequest(req, res, { sessionId: 's1', port: 9999, appPath: '/', origin: 'http://x', prefix: '' }, to));
  const port = await listen(proxy);
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(res.status, 502);
    assert.match(await res.text(), /9999/);
  } finally {
    await new Promise((r) => proxy.close(r));
  }
});

test('a visitor opening hundreds of connections to a relayed port link holds at most 16 relays; the rest read "too many connections" (503), and another visitor\'s link still opens', async () => {
  const held: http.ServerResponse[] = [];
  const app = http.createServer((req, res) => (req.url === '/slow' ? held.push(res) : res.end('fine')));
  const appPort = await listen(app);
  const gate = new RelayGate(16);
  let started = 0;
  const upstreamOf = (sessionId: string): Upstream => ({ open: (port) => gate.relay(sessionId, async () => (started++, port, net.connect(appPort, '127.0.0.1'))) });
  const route = (sessionId: string, appPath: string): PortRoute => ({ sessionId, port: 8080, appPath, origin: 'http://x', prefix: '' });
  const proxy = http.createServer((req, res) => {
    const sessionId = req.headers['x-session'] as string;
    forwardRequest(req, res, route(sessionId, req.url!), upstreamOf(sessionId));
  });
  const port = await listen(proxy);
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const get = (sessionId: string, path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      http.get({ port, path, agent, headers: { 'x-session': sessionId } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      }).on('error', reject);
    });
  try {
    const slow = Array.from({ length: 200 }, () => get('hostile', '/slow'));
    await eventually(() => assert.equal(held.length, 16, `${held.length} requests reached the app`), 10_000);
    const refused = await Promise.race([Promise.all(slow), new Promise((r) => setTimeout(r, 1000, 'held'))]);
    assert.equal(refused, 'held', 'the 16 relayed requests are still open');
    assert.equal(gate.count('hostile'), 16);
    assert.equal(started, 16);
    const other = await get('neighbour', '/');
    assert.deepEqual([other.status, other.body], [200, 'fine']);
    for (const res of held) res.end('late');
    const answers = await Promise.all(slow);
    assert.equal(answers.filter((a) => a.status === 200).length, 16);
    const busy = answers.filter((a) => a.status === 503);
    assert.equal(busy.length, 184);
    assert.match(busy[0]!.body, /Too many connections at once/);
    await eventually(() => assert.equal(gate.count('hostile'), 0, 'relays still counted after they closed'), 5_000);
    assert.equal((await get('hostile', '/')).status, 200);
  } finally {
    agent.destroy();
    proxy.closeAllConnections();
    app.closeAllConnections();
    await new Promise((r) => proxy.close(r));
    await new Promise((r) => app.close(r));
  }
});
