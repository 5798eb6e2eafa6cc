// The terminal websocket: resize, shells ended on disconnect, bounded memory under a flood, bad frames.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CloseCode, TERMINAL_PATH } from '@berth/shared';
import WebSocket from 'ws';
import { createSession, eventually, startTestServer, TerminalClient, type CreatedSession, type TestServer } from '../helpers.js';

describe('terminal', () => {
  let server: TestServer;
  let s: CreatedSession;
  before(async () => {
    server = await startTestServer();
    s = await createSession(server);
    assert.equal(await server.berth.sessions.get(s.id)!.ready, true);
  });
  after(async () => server?.close());

  test('resize reaches the shell', async () => {
    const term = await TerminalClient.connect(server, s, { cols: 132, rows: 43 });
    await term.ready();
    assert.match((await term.run('stty size')).output, /^43 132$/m);
    term.ws.send(JSON.stringify({ type: 'resize', cols: 90, rows: 30 }));
    await eventually(async () => assert.match((await term.run('stty size')).output, /^30 90$/m), 5000);
    await term.close();
  });

  test('a dropped socket gets the same shell back with its recent output; after the grace period the shell ends', async () => {
    const quick = await startTestServer({ BERTH_RESUME_GRACE_S: '2' });
    try {
      const session = await createSession(quick);
      const first = await TerminalClient.connect(quick, session);
      await first.ready();
      const pid = /^(\d+)$/m.exec((await first.run('echo $$')).output)?.[1];
      assert.ok(pid, 'shell pid');
      await first.run('echo remember-this-line');
      await first.close();

      // A reload: the same shell, and the screen shows what was there.
      const again = await TerminalClient.connect(quick, session);
      await again.waitForText(/remember-this-line/, 5000);
      assert.match((await again.run('echo $$')).output, new RegExp(`^${pid}$`, 'm'));
      await again.close();

      // Gone for longer than the grace period: the shell is ended.
      await eventually(async () => {
        const r = await quick.berth.runtime.exec(session.id, ['kill', '-0', pid]);
        assert.notEqual(r.exitCode, 0, `shell ${pid} still alive`);
      }, 15_000);
      const fresh = await TerminalClient.connect(quick, session);
      await fresh.ready();
      assert.doesNotMatch((await fresh.run('echo $$')).output, new RegExp(`^${pid}$`, 'm'));
      await fresh.close();
    } finally {
      await quick.close();
    }
  });

  test('a second socket takes the terminal over and the first is told why', async () => {
    const a = await TerminalClient.connect(server, s);
    await a.ready();
    const b = await TerminalClient.connect(server, s);
    await a.waitFor(() => a.closeInfo, 5000, 'the first socket to close');
    assert.equal(a.closeInfo!.code, CloseCode.replaced);
    assert.match(a.closeInfo!.reason, /another tab/);
    assert.match((await b.run('echo still-here')).output, /^still-here$/m);
    await b.close();
  });

  test('a flood of output to a client that does not read keeps server memory bounded', async () => {
    const term = await TerminalClient.connect(server, s);
    await term.ready();
    const rssBefore = process.memoryUsage().rss;
    term.type('yes berth-flood-line\r');
    await term.waitForText(/berth-flood-line\nberth-flood-line/);
    // Stop reading: the kernel buffers fill, then Berth must stop reading from the shell.
    const socket = (term.ws as unknown as { _socket: import('node:net').Socket })._socket;
    socket.pause();
    await new Promise((r) => setTimeout(r, 4000));
    const grown = process.memoryUsage().rss - rssBefore;
    socket.resume();
    term.type('\x03');
    assert.ok(grown < 64 * 2 ** 20, `server memory grew by ${Math.round(grown / 2 ** 20)} MiB during the flood`);
    // The shell first works through what the flood left in flight: on a busy host that takes a while.
    await term.run('true', 90_000);
    await term.close();
  });

  test('garbage frames get a reason and do not hurt the session', async () => {
    const term = await TerminalClient.connect(server, s);
    await term.ready();
    for (const frame of ['not json', '[]', '{"type":"launch"}', '{"type":"resize","cols":0,"rows":10}', '{"type":"resize","cols":100000,"rows":10}', '{"type":"input","data":5}']) {
      term.ws.send(frame);
    }
    term.ws.send(Buffer.from([0xff, 0x00]), { binary: true });
    await term.waitFor(() => term.events.filter((e) => e.type === 'error').length >= 7 || undefined, 5000, 'seven error events');
    const reasons = term.events.filter((e) => e.type === 'error').map((e) => (e.type === 'error' ? e.message : ''));
    assert.match(reasons.join('\n'), /not valid JSON/);
    assert.match(reasons.join('\n'), /cols must be an integer from 2 to 500/);
    assert.match((await term.run('echo alive')).output, /^alive$/m);
    await term.close();
  });

  test('a huge frame closes only that socket', async () => {
    const term = await TerminalClient.connect(server, s);
    await term.ready();
    term.ws.send(JSON.stringify({ type: 'input', data: 'x'.repeat(200_000) }));
    await term.waitFor(() => term.closeInfo, 5000, 'close');
    assert.equal(term.closeInfo!.code, 1009);
    const again = await TerminalClient.connect(server, s);
    await again.ready();
    assert.match((await again.run('echo fine')).output, /^fine$/m);
    await again.close();
  });

  test('a wrong token or another origin is refused with a reason', async () => {
    const base = server.url.replace('http', 'ws') + TERMINAL_PATH(s.id);
    const closeOf = (ws: WebSocket) => new Promise<[number, string]>((resolve) => ws.on('close', (c, r) => resolve([c, r.toString()])));
    const [code, reason] = await closeOf(new WebSocket(`${base}?token=wrong`));
    assert.equal(code, CloseCode.unauthorized);
    assert.match(reason, /token/);
    const [code2, reason2] = await closeOf(new WebSocket(`${base}?token=${s.token}`, { headers: { origin: 'http://evil.example' } }));
    assert.equal(code2, CloseCode.unauthorized);
    assert.match(reason2, /cross-origin/);
  });
});
