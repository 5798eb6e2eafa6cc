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
