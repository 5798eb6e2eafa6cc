// A published port shows up as a link within a second and is proxied, only for the session's own visitor.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSession, useSessionTerminal } from '../helpers.js';

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

  test('stopping the container announces the port closed', async () => {
    await ctx.term.run('docker rm -f web');
    await ctx.term.waitForEvent((e) => e.type === 'port' && e.port === 8080 && e.closed === true, 10_000, 'port 8080 closed');
  });
});
