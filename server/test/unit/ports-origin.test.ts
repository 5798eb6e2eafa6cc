// The ports origin's rules, unit by unit: BERTH_PORTS_URL shapes, which request is which link, tickets that
// work once, and the headers an app may (not) send into the browser. The real ports listener is tested with
// real sandboxes in engine/port-links.test.ts, in Chromium in e2e/specs/hostile-app-page.spec.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { requestHeadersForApp, responseHeadersForBrowser } from '../../src/ports/app-headers.js';
import { passMatches, portCookie, portPass } from '../../src/ports/port-pass.js';
import { parsePortsUrl, PortsOrigin } from '../../src/ports/ports-origin.js';
import { PortTickets, TICKET_TTL_MS } from '../../src/ports/port-tickets.js';

const id = 'abc123xyz';

describe('BERTH_PORTS_URL', () => {
  test('a name per link or one origin; anything else is refused with the reason', () => {
    const problems: string[] = [];
    assert.equal(parsePortsUrl('https://{port}-{session}.ports.example.org', problems), 'https://{port}-{session}.ports.example.org');
    assert.equal(parsePortsUrl('https://{session}-{port}.ports.example.org:8443/', problems), 'https://{session}-{port}.ports.example.org:8443');
    assert.equal(parsePortsUrl('http://workshop.lan:8081', problems), 'http://workshop.lan:8081');
    assert.equal(parsePortsUrl(undefined, problems), null);
    assert.deepEqual(problems, []);
    for (const [raw, why] of [
      ['ftp://{port}-{session}.x.org', /http or https only/],
      ['https://{port}.x.org', /both \{port\} and \{session\} or neither/],
      ['https://x.org/{port}/{session}', /belong in the host name/],
      ['https://{port}{session}.x.org', /separator/],
      ['https://x.org/apps', /no user, path/],
      ['not a url', /not a URL/],
    ] as const) {
      const seen: string[] = [];
      assert.equal(parsePortsUrl(raw, seen), null, raw);
      assert.match(seen[0] ?? '', why, raw);
    }
  });
});

describe('which link a request is for', () => {
  test('per link: the host name says the session and the port; the path is the app\'s', () => {
    const origin = new PortsOrigin('https://{port}-{session}.ports.example.org', () => 8081);
    assert.equal(origin.linkFor(id, 8080, 'try.example.org'), `https://8080-${id}.ports.example.org/`);
    const route = origin.route(`8080-${id}.ports.example.org`, '/api/x?y=1');
    assert.deepEqual(route, { sessionId: id, port: 8080, appPath: '/api/x?y=1', origin: `https://8080-${id}.ports.example.org`, prefix: '' });
    assert.equal(origin.route(`8080-${id}.PORTS.example.org:443`, '/')?.port, 8080, 'case and port of the Host do not matter');
    for (const host of ['ports.example.org', `70000-${id}.ports.example.org`, `8080-${id}.ports.example.org.evil.example`, `x.8080-${id}.ports.example.org`, 'try.example.org', '', 'a b']) {
      assert.equal(origin.route(host, '/'), null, host);
    }
    assert.equal(origin.allowsUpgrade(`https://8080-${id}.ports.example.org`, route!), true);
    assert.equal(origin.allowsUpgrade(`https://8081-${id}.ports.example.org`, route!), false, 'another link of the same session');
    assert.equal(origin.allowsUpgrade('https://try.example.org', route!), false, "Berth's own page");
  });

  test('one origin: the path says the session and the port; the rest of it is the app\'s', () => {
    const origin = new PortsOrigin(null, () => 8081);
    assert.equal(origin.linkFor(id, 3000, 'lab.local:8080'), `http://lab.local:8081/s/${id}/ports/3000/`);
    assert.equal(origin.linkFor(id, 3000, '[::1]:8080'), `http://[::1]:8081/s/${id}/ports/3000/`);
    assert.equal(origin.linkFor(id, 3000, 'evil"><script>'), `http://localhost:8081/s/${id}/ports/3000/`, 'a Host that is no host name is not echoed');
    assert.deepEqual(origin.route('lab.local:8081', `/s/${id}/ports/3000/a/b?c=d`), { sessionId: id, port: 3000, appPath: '/a/b?c=d', origin: 'http://lab.local:8081', prefix: `/s/${id}/ports/3000` });
    assert.equal(origin.route('lab.local:8081', `/s/${id}/ports/3000`)?.appPath, '/');
    for (const url of ['/', '/api/health', `/s/${id}/ports/0/`, `/s/${id}/ports/65536/`, `/s/${id}/ports/80a/`, `/s/ABC/ports/80/`, `/s/${id}/ports/3000x`]) {
      assert.equal(origin.route('lab.local:8081', url), null, url);
    }
    const route = origin.route('lab.local:8081', `/s/${id}/ports/3000/`)!;
    assert.equal(origin.allowsUpgrade('http://lab.local:8081', route), true);
    assert.equal(origin.allowsUpgrade('http://lab.local:8080', route), false, "Berth's own page, one port along");
  });
});

describe('tickets', () => {
  test('a ticket works once, for its own link, within its minute', () => {
    let now = 1_000_000;
    const tickets = new PortTickets(() => now);
    const a = tickets.issue(id, 8080);
    assert.match(a.ticket, /^[\w-]{32}$/);
    assert.equal(tickets.redeem(a.ticket, id, 8080), true);
    assert.equal(tickets.redeem(a.ticket, id, 8080), false, 'spent');
    const b = tickets.issue(id, 8080);
    assert.equal(tickets.redeem(b.ticket, id, 8081), false, 'another port');
    assert.equal(tickets.redeem(b.ticket, id, 8080), false, 'a ticket tried on the wrong link is spent too');
    const c = tickets.issue(id, 8080);
    now += TICKET_TTL_MS;
    assert.equal(tickets.redeem(c.ticket, id, 8080), false, 'expired');
    const d = tickets.issue(id, 8080);
    tickets.forgetSession(id);
    assert.equal(tickets.redeem(d.ticket, id, 8080), false, 'the session ended');
  });

  test('a visitor asking for thousands keeps only the latest 16 of their session', () => {
    const tickets = new PortTickets();
    const issued = Array.from({ length: 5000 }, () => tickets.issue(id, 80).ticket);
    const other = tickets.issue('zzz999zzz', 80).ticket;
    assert.equal(issued.slice(0, -16).filter((t) => tickets.redeem(t, id, 80)).length, 0);
    assert.equal(issued.slice(-15).filter((t) => tickets.redeem(t, id, 80)).length, 15);
    assert.equal(tickets.redeem(other, 'zzz999zzz', 80), true, "another session's ticket is untouched");
  });

  test('spent and expired tickets free their place: a session can hold 16 fresh ones again', () => {
    let now = 1_000_000;
    const tickets = new PortTickets(() => now);
    for (let i = 0; i < 16; i++) tickets.redeem(tickets.issue(id, 80).ticket, id, 80);
    for (let i = 0; i < 16; i++) tickets.issue(id, 80);
    now += TICKET_TTL_MS;
    const fresh = Array.from({ length: 16 }, () => tickets.issue(id, 80).ticket);
    assert.equal(fresh.filter((t) => tickets.redeem(t, id, 80)).length, 16);
  });
});

describe('the port cookie', () => {
  const session = { id, tokenHash: 'ab'.repeat(32) };
  test('opens its own session only; never holds the token hash', () => {
    const pass = portPass(session);
    assert.ok(passMatches(session, pass));
    assert.ok(!passMatches({ id, tokenHash: 'cd'.repeat(32) }, pass));
    assert.ok(!passMatches(session, `${pass}x`));
    assert.ok(!pass.includes(session.tokenHash));
  });

  test('host-only and __Host- per link on https; path-scoped on one origin', () => {
    const perLink = new PortsOrigin('https://{port}-{session}.p.example.org', () => 1);
    const route = perLink.route(`80-${id}.p.example.org`, '/')!;
    assert.equal(portCookie(perLink, route, 'v'), '__Host-berth_port=v; Path=/; HttpOnly; SameSite=Lax; Secure');
    const shared = new PortsOrigin('https://apps.example.org', () => 1);
    assert.equal(portCookie(shared, shared.route('apps.example.org', `/s/${id}/ports/80/`)!, 'v'), `__Secure-berth_port=v; Path=/s/${id}/ports/80; HttpOnly; SameSite=Lax; Secure`);
    const plain = new PortsOrigin(null, () => 1);
    assert.equal(portCookie(plain, plain.route('h', `/s/${id}/ports/80/`)!, 'v'), `berth_port=v; Path=/s/${id}/ports/80; HttpOnly; SameSite=Lax`);
  });
});

describe('headers between the browser and an app', () => {
  const shared = new PortsOrigin(null, () => 8081).route('h:8081', `/s/${id}/ports/80/x`)!;
  const perLink = new PortsOrigin('https://{port}-{session}.p.example.org', () => 1).route(`80-${id}.p.example.org`, '/x')!;

  test("the app gets the browser's own cookies and Authorization, not Berth's port cookie", () => {
    const out = requestHeadersForApp({ cookie: `a=1; berth_port=${id}.mac; __Host-berth_port=z; b=2`, authorization: 'Basic eDp5', host: 'h:8081' }, 80);
    assert.deepEqual(out, { cookie: 'a=1; b=2', authorization: 'Basic eDp5', host: 'localhost:80' });
    assert.equal(requestHeadersForApp({ cookie: 'berth_port=x' }, 80).cookie, undefined);
  });

  test("the visitor's address, as Berth's proxy forwards it (or a visitor writes it), never reaches the app", () => {
    const out = requestHeadersForApp({ 'x-forwarded-for': '203.0.113.7', forwarded: 'for=203.0.113.7', 'x-real-ip': '203.0.113.7', 'x-forwarded-proto': 'https', accept: '*/*' }, 80);
    assert.deepEqual(out, { 'x-forwarded-proto': 'https', accept: '*/*', host: 'localhost:80' });
  });

  test('an app cannot set Berth cookies, reach sibling hosts, widen a worker, wipe the origin or pin it', () => {
    const headers = {
      'set-cookie': ['sid=1; Path=/; HttpOnly', 'BERTH_PORT=stolen; Path=/', '__Host-berth_learner=x; Path=/; Secure', 'berth_session=x', 'wide=1; Domain=example.org; Path=/app', 'bare=1'],
      'service-worker-allowed': '/',
      'clear-site-data': '"*"',
      'strict-transport-security': 'max-age=99999999; includeSubDomains',
      'alt-svc': 'h3=":443"',
      'content-type': 'text/html',
    };
    assert.deepEqual(responseHeadersForBrowser(headers, shared), {
      'set-cookie': [`sid=1; Path=/s/${id}/ports/80/; HttpOnly`, `wide=1; Path=/s/${id}/ports/80/app`, 'bare=1'],
      'content-type': 'text/html',
    });
    assert.deepEqual(responseHeadersForBrowser(headers, perLink)['set-cookie'], ['sid=1; Path=/; HttpOnly', 'wide=1; Path=/app', 'bare=1']);
  });
});
