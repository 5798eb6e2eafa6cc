// A published port shows up as a link within a second and is proxied, only for the session's own visitor.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { createSession, eventually, useSessionTerminal } from '../helpers.js';

/** A websocket server in busybox sh (nc -e): greets, echoes one text frame, closes with 1000. */
const echoServer = fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'websocket-echo.sh'));

type Seen = { messages: string[]; close: { code: number; reason: string } | undefined };

/**
 * Opens a websocket; resolves with it once open (and what it receives, recorded from the start: the app's
 * first frame may come in the same packet as the 101), or with the status and body that refused the upgrade.
 */
function openWebSocket(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; seen: Seen } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const seen: Seen = { messages: [], close: undefined };
    ws.on('message', (data) => seen.messages.push(String(data)));
    ws.on('close', (code, reason) => (seen.close = { code, reason: String(reason) }));
    ws.once('open', () => resolve({ ws, seen }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    ws.once('error', reject);
  });
}


describe('port links', () => {
  const ctx = useSessionTerminal();

  test('docker run -p announces the port and /s/:id/ports/:port/ serves nginx with the session cookie only', async () => {
    const r = await ctx.term.run('docker run -d -p 8080:80 --name web nginx');
    assert.equal(r.exit, 0, r.output);
    const event = await ctx.term.waitForEvent((e) => e.type === 'port' && e.port === 8080 && !e.closed, 10_000, 'port 8080');
    assert.equal(event.type === 'port' && event.url, `/s/${ctx.session.id}/ports/8080/`);

    const url = `${ctx.server.url}/s/${ctx.session.id}/ports/8080/`;
    const cookie = `berth_session=${ctx.session.id}.${ctx.session.token}`;
    let page = '';
    for (let i = 0; i < 50 && !page.includes('Welcome to nginx'); i++) {
      page = await (await fetch(url, { headers: { cookie } })).text();
      if (!page.includes('Welcome to nginx')) await new Promise((res) => setTimeout(res, 200));
    }
    assert.match(page, /<title>Welcome to nginx!<\/title>/);

    assert.equal((await fetch(url)).status, 401);
    const other = await createSession(ctx.server);
    assert.equal((await fetch(url, { headers: { cookie: `berth_session=${other.id}.${other.token}` } })).status, 401);
    await ctx.server.berth.sessions.end(other.id, 'ended-by-user');

    // A link carrying the token sets the cookie and drops the token from the address.
    const viaToken = await fetch(`${url}?token=${ctx.session.token}`, { redirect: 'manual' });
    assert.equal(viaToken.status, 302);
    assert.equal(viaToken.headers.get('location'), `/s/${ctx.session.id}/ports/8080/`);
    assert.match(viaToken.headers.getSetCookie().join(';'), new RegExp(`berth_session=${ctx.session.id}\\.`));
  });

  test('when nothing answers, the page says why instead of a bare 502', async () => {
    const res = await fetch(`${ctx.server.url}/s/${ctx.session.id}/ports/9999/`, { headers: { cookie: `berth_session=${ctx.session.id}.${ctx.session.token}` } });
    assert.equal(res.status, 502);
    const body = await res.text();
    assert.match(body, /Nothing in your session accepts connections on port 9999/);
    assert.match(body, /0\.0\.0\.0/);
    assert.equal((await fetch(`${ctx.server.url}/s/${ctx.session.id}/ports/70000/`, { headers: { cookie: `berth_session=${ctx.session.id}.${ctx.session.token}` } })).status, 400);
  });

  test('a websocket app on a published port talks both ways through /s/:id/ports/:port/ with the cookie, and is refused without it', async () => {
    const r = await ctx.term.run(
      `docker run -d -p 8765:8765 --name wsecho busybox sh -c 'echo ${echoServer.toString('base64')} | base64 -d > /ws.sh && exec nc -ll -p 8765 -e sh /ws.sh' >/dev/null`,
      120_000,
    );
    assert.equal(r.exit, 0, r.output);
    const url = `${ctx.server.url.replace('http', 'ws')}/s/${ctx.session.id}/ports/8765/chat?room=1`;
    const cookie = `berth_session=${ctx.session.id}.${ctx.session.token}`;

    const anonymous = await openWebSocket(url);
    assert.ok('status' in anonymous, 'an upgrade without the cookie must not open');
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.body, /needs its token/);
    const other = await createSession(ctx.server);
    const wrong = await openWebSocket(url, { cookie: `berth_session=${other.id}.${other.token}` });
    await ctx.server.berth.sessions.end(other.id, 'ended-by-user');
    assert.ok('status' in wrong && wrong.status === 401, "another session's cookie must not open it");
    const foreign = await openWebSocket(url, { cookie, origin: 'https://evil.example' });
    assert.ok('status' in foreign && foreign.status === 403, 'another site must not open it with the cookie');
    assert.match('body' in foreign ? foreign.body : '', /Cross-origin/);

    // The container may still be starting: until it listens, the upgrade gets the "did not answer" page.
    let opened: { ws: WebSocket; seen: Seen } | undefined;
    await eventually(async () => {
      const attempt = await openWebSocket(url, { cookie, authorization: 'Basic bm90OmZvci10aGUtYXBw' });
      if ('status' in attempt) assert.fail(`upgrade answered ${attempt.status}: ${attempt.body.slice(0, 200)}`);
      opened = attempt;
    }, 20_000);
    const { ws, seen } = opened!;
    await eventually(() => assert.deepEqual(seen.messages, ['hello from the sandbox; credentials seen: 0']));
    ws.send('ping through berth');
    await eventually(() => assert.deepEqual(seen.messages.slice(1), ['echo: ping through berth']));
    // The app closes: the visitor's socket hears its close code and ends too.
    await eventually(() => assert.equal(seen.close?.code, 1000));

    // The ?token= link form works for an upgrade too (a websocket cannot follow the HTTP form's redirect).
    const viaToken = await openWebSocket(`${url}&token=${encodeURIComponent(ctx.session.token)}`);
    assert.ok('ws' in viaToken, 'the token in the address opens it');
    const seenViaToken = viaToken.seen;
    await eventually(() => assert.deepEqual(seenViaToken.messages, ['hello from the sandbox; credentials seen: 0']));
    viaToken.ws.close();
    await eventually(() => assert.ok(seenViaToken.close));

    // The terminal's own websocket is untouched by the proxy's upgrades.
    assert.equal((await ctx.term.run('docker rm -f wsecho >/dev/null && echo removed')).output.trim(), 'removed');
  });

  test('stopping the container announces the port closed', async () => {
    await ctx.term.run('docker rm -f web');
    await ctx.term.waitForEvent((e) => e.type === 'port' && e.port === 8080 && e.closed === true, 10_000, 'port 8080 closed');
  });
});
