// A published port shows up as a link within a second and is proxied, only for the session's own visitor.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSession, startTestServer, TerminalClient, type CreatedSession, type TestServer } from '../helpers.js';

describe('port links', () => {
  let server: TestServer;
  let s: CreatedSession;
  let term: TerminalClient;
  before(async () => {
    server = await startTestServer();
    s = await createSession(server);
    term = await TerminalClient.connect(server, s);
    await term.ready();
  });
  after(async () => {
    await term?.close();
    await server?.close();
  });

  test('docker run -p announces the port and /s/:id/ports/:port/ serves nginx with the session cookie only', async () => {
    const r = await term.run('docker run -d -p 8080:80 --name web nginx');
    assert.equal(r.exit, 0, r.output);
    const event = await term.waitForEvent((e) => e.type === 'port' && e.port === 8080 && !e.closed, 10_000, 'port 8080');
    assert.equal(event.type === 'port' && event.url, `/s/${s.id}/ports/8080/`);

    const url = `${server.url}/s/${s.id}/ports/8080/`;
    const cookie = `berth_session=${s.id}.${s.token}`;
    let page = '';
    for (let i = 0; i < 50 && !page.includes('Welcome to nginx'); i++) {
      page = await (await fetch(url, { headers: { cookie } })).text();
      if (!page.includes('Welcome to nginx')) await new Promise((res) => setTimeout(res, 200));
    }
    assert.match(page, /<title>Welcome to nginx!<\/title>/);

    assert.equal((await fetch(url)).status, 401);
    const other = await createSession(server);
    assert.equal((await fetch(url, { headers: { cookie: `berth_session=${other.id}.${other.token}` } })).status, 401);
    await server.berth.sessions.end(other.id, 'ended-by-user');

    // A link carrying the token sets the cookie and drops the token from the address.
    const viaToken = await fetch(`${url}?token=${s.token}`, { redirect: 'manual' });
    assert.equal(viaToken.status, 302);
    assert.equal(viaToken.headers.get('location'), `/s/${s.id}/ports/8080/`);
    assert.match(viaToken.headers.getSetCookie().join(';'), new RegExp(`berth_session=${s.id}\\.`));
  });

  test('when nothing answers, the page says why instead of a bare 502', async () => {
    const res = await fetch(`${server.url}/s/${s.id}/ports/9999/`, { headers: { cookie: `berth_session=${s.id}.${s.token}` } });
    assert.equal(res.status, 502);
    const body = await res.text();
    assert.match(body, /Nothing in your session accepts connections on port 9999/);
    assert.match(body, /0\.0\.0\.0/);
    assert.equal((await fetch(`${server.url}/s/${s.id}/ports/70000/`, { headers: { cookie: `berth_session=${s.id}.${s.token}` } })).status, 400);
  });

  test('stopping the container announces the port closed', async () => {
    await term.run('docker rm -f web');
    await term.waitForEvent((e) => e.type === 'port' && e.port === 8080 && e.closed === true, 10_000, 'port 8080 closed');
  });
});
