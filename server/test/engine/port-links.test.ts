// A published port shows up as a link within a second and is served on the ports origin (never Berth's own),
// opened by a one-time ticket that only the session's own visitor can ask for.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { createSession, eventually, openPortLink, portTicket, useSessionTerminal } from '../helpers.js';

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

  test("a fresh session lists no port: what listens there that the visitor did not open (the engine's DNS helper, the terminal server) is not listed", async () => {
    // It really listens in the sandbox, so this is no empty check: the rootless engine's DNS helper on a random
    // TCP port of 127.0.0.11 (the docker runtime), the terminal server on port 61022 of every address (the lxd
    // runtime, whose inner engine answers DNS inside its containers only).
    const tcp = await ctx.server.berth.runtime.exec(ctx.session.id, ['cat', '/proc/net/tcp']);
    if (ctx.server.config.runtime === 'lxd') assert.match(tcp.output, /: 00000000:EE5E 00000000:0000 0A /, 'the terminal server listening on 0.0.0.0:61022');
    else assert.match(tcp.output, /: 0B00007F:[0-9A-F]{4} 00000000:0000 0A /, 'a listener on 127.0.0.11');
    // A server the visitor starts in the shell is listed; by then the watcher has looked more than once.
    await ctx.term.run(`{ sleep 60; } | nc -lk 8099 >/dev/null 2>&1 & true`);
    await ctx.term.waitForEvent((e) => e.type === 'port' && e.port === 8099 && !e.closed, 10_000, 'port 8099');
    const listed = ctx.term.events.flatMap((e) => (e.type === 'port' && !e.closed ? [e.port] : []));
    assert.deepEqual(listed, [8099], 'the only port listed is the one the visitor opened');
    await ctx.term.run('kill %1; wait');
    await ctx.term.waitForEvent((e) => e.type === 'port' && e.port === 8099 && e.closed === true, 10_000, 'port 8099 closed');
  });

  test('docker run -p announces the port; a ticket opens it on the ports origin, once, and the cookie it leaves opens only this link', async () => {
    const r = await ctx.term.run('docker run -d -p 8080:80 --name web nginx');
    assert.equal(r.exit, 0, r.output);
    await ctx.term.waitForEvent((e) => e.type === 'port' && e.port === 8080 && !e.closed, 10_000, 'port 8080');

    // The ticket is an address on the ports listener, not on Berth's origin.
    const ticketUrl = await portTicket(ctx.server, ctx.session, 8080);
    assert.match(ticketUrl, new RegExp(`^${ctx.server.portsUrl}/s/${ctx.session.id}/ports/8080/\\?berth_ticket=[\\w-]{32}$`));
    const spent = await fetch(ticketUrl, { redirect: 'manual' });
    assert.equal(spent.status, 303);
    assert.equal(spent.headers.get('location'), `/s/${ctx.session.id}/ports/8080/`, 'the ticket is dropped from the address');
    const [cookie] = spent.headers.getSetCookie();
    assert.match(cookie!, new RegExp(`^berth_port=${ctx.session.id}\\.[\\w-]{43}; Path=/s/${ctx.session.id}/ports/8080; HttpOnly; SameSite=Lax$`));
    assert.ok(!cookie!.includes(ctx.session.token), 'the session token never reaches the ports origin');
    const again = await fetch(ticketUrl, { redirect: 'manual' });
    assert.equal(again.status, 401, 'a ticket works once');
    assert.match(await again.text(), /Open this link from your session/);

    const link = await openPortLink(ctx.server, ctx.session, 8080);
    let page = '';
    for (let i = 0; i < 50 && !page.includes('Welcome to nginx'); i++) {
      page = await (await fetch(link.url, { headers: { cookie: link.cookie } })).text();
      if (!page.includes('Welcome to nginx')) await new Promise((res) => setTimeout(res, 200));
    }
    assert.match(page, /<title>Welcome to nginx!<\/title>/);

    assert.equal((await fetch(link.url)).status, 401, 'no cookie: no app');
    assert.equal((await fetch(link.url, { headers: { cookie: `berth_session=${ctx.session.id}.${ctx.session.token}` } })).status, 401, 'the session token is no port cookie');
    const other = await createSession(ctx.server);
    // Another session's ticket or cookie opens that session's links, not this one's.
    const otherTicket = (await portTicket(ctx.server, other, 8080)).replace(other.id, ctx.session.id);
    assert.equal((await fetch(otherTicket, { redirect: 'manual' })).status, 401);
    const otherLink = await openPortLink(ctx.server, other, 8080);
    assert.equal((await fetch(link.url, { headers: { cookie: otherLink.cookie } })).status, 401);
    assert.equal((await fetch(`${ctx.server.url}/api/sessions/${ctx.session.id}/ports/8080/ticket`, { method: 'POST', headers: { authorization: `Bearer ${other.token}` } })).status, 401);
    await ctx.server.berth.sessions.end(other.id, 'ended-by-user');

    // Berth's own origin serves no app, and the ports origin serves nothing of Berth's.
    const onBerth = await fetch(`${ctx.server.url}/s/${ctx.session.id}/ports/8080/`, { headers: { cookie: link.cookie } });
    assert.equal(onBerth.status, 404);
    assert.match((await onBerth.json()).message, /open them with the port buttons on your session's page/);
    for (const p of ['/', '/api/health', `/api/sessions/${ctx.session.id}`, '/metrics', '/index.html']) {
      const res = await fetch(`${ctx.server.portsUrl}${p}`, { headers: { cookie: link.cookie, authorization: `Bearer ${ctx.session.token}` } });
      assert.equal(res.status, 404, p);
      assert.match(await res.text(), /serves the apps that visitors run/, p);
    }
  });

  test('when nothing answers, the page says why instead of a bare 502', async () => {
    const link = await openPortLink(ctx.server, ctx.session, 9999);
    const res = await fetch(link.url, { headers: { cookie: link.cookie } });
    assert.equal(res.status, 502);
    const body = await res.text();
    assert.match(body, /Nothing in your session accepts connections on port 9999/);
    assert.match(body, /0\.0\.0\.0/);
    const tooHigh = await fetch(`${ctx.server.url}/api/sessions/${ctx.session.id}/ports/70000/ticket`, { method: 'POST', headers: { authorization: `Bearer ${ctx.session.token}` } });
    assert.equal(tooHigh.status, 400);
    assert.match((await tooHigh.json()).message, /1 to 65535/);
    assert.equal((await fetch(`${ctx.server.portsUrl}/s/${ctx.session.id}/ports/70000/`, { headers: { cookie: link.cookie } })).status, 404);
  });

  test('a websocket app on a published port talks both ways through its port link with the port cookie, and is refused without it', async () => {
    const r = await ctx.term.run(
      `docker run -d -p 8765:8765 --name wsecho busybox sh -c 'echo ${echoServer.toString('base64')} | base64 -d > /ws.sh && exec nc -ll -p 8765 -e sh /ws.sh' >/dev/null`,
      120_000,
    );
    assert.equal(r.exit, 0, r.output);
    const link = await openPortLink(ctx.server, ctx.session, 8765);
    const url = `${link.url.replace('http', 'ws')}chat?room=1`;
    const cookie = `${link.cookie}; app_cookie=the-apps-own`;

    const anonymous = await openWebSocket(url);
    assert.ok('status' in anonymous, 'an upgrade without the cookie must not open');
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.body, /Open this link from your session/);
    const other = await createSession(ctx.server);
    const otherLink = await openPortLink(ctx.server, other, 8765);
    const wrong = await openWebSocket(url, { cookie: otherLink.cookie });
    await ctx.server.berth.sessions.end(other.id, 'ended-by-user');
    assert.ok('status' in wrong && wrong.status === 401, "another session's cookie must not open it");
    for (const origin of ['https://evil.example', ctx.server.url]) {
      const foreign = await openWebSocket(url, { cookie, origin });
      assert.ok('status' in foreign && foreign.status === 403, `a page of ${origin} must not open it with the cookie`);
      assert.match('body' in foreign ? foreign.body : '', /only from its own pages/);
    }

    // The container may still be starting: until it listens, the upgrade gets the "did not answer" page.
    let opened: { ws: WebSocket; seen: Seen } | undefined;
    await eventually(async () => {
      // With the headers a proxy would add: the visitor's address is never passed to their app.
      const attempt = await openWebSocket(url, { cookie, origin: ctx.server.portsUrl, authorization: 'Basic bm90OmZvci10aGUtYXBw', 'x-forwarded-for': '203.0.113.7', forwarded: 'for=203.0.113.7', 'x-real-ip': '203.0.113.7' });
      if ('status' in attempt) assert.fail(`upgrade answered ${attempt.status}: ${attempt.body.slice(0, 200)}`);
      opened = attempt;
    }, 20_000);
    const { ws, seen } = opened!;
    // The app's own cookie and Authorization reach it; Berth's port cookie and the visitor's address do not.
    await eventually(() => assert.deepEqual(seen.messages, ['hello from the sandbox; cookie: app_cookie=the-apps-own; authorization: yes; address: no']));
    ws.send('ping through berth');
    await eventually(() => assert.deepEqual(seen.messages.slice(1), ['echo: ping through berth']));
    // The app closes: the visitor's socket hears its close code and ends too.
    await eventually(() => assert.equal(seen.close?.code, 1000));

    // A ticket opens an upgrade too (a websocket cannot follow the HTTP form's redirect); the session token does not.
    assert.ok('status' in (await openWebSocket(`${url}&token=${encodeURIComponent(ctx.session.token)}`)));
    const ticket = new URL(await portTicket(ctx.server, ctx.session, 8765)).searchParams.get('berth_ticket')!;
    const viaToken = await openWebSocket(`${url}&berth_ticket=${ticket}`);
    assert.ok('ws' in viaToken, 'the ticket in the address opens it');
    const seenViaToken = viaToken.seen;
    await eventually(() => assert.deepEqual(seenViaToken.messages, ['hello from the sandbox; cookie: none; authorization: no; address: no']));
    viaToken.ws.close();
    await eventually(() => assert.ok(seenViaToken.close, 'the socket opened with the ticket closed'));

    // The terminal's own websocket is untouched by the proxy's upgrades.
    assert.equal((await ctx.term.run('docker rm -f wsecho >/dev/null && echo removed')).output.trim(), 'removed');
  });

  test('stopping the container announces the port closed', async () => {
    await ctx.term.run('docker rm -f web');
    await ctx.term.waitForEvent((e) => e.type === 'port' && e.port === 8080 && e.closed === true, 10_000, 'port 8080 closed');
  });
});
