// An app in a session is a stranger's code, and its port link hands what it sends to the server process:
// whatever bytes it answers with, the reader gets a 502 page (or a cut connection once an answer has
// begun), and the server goes on serving everyone else.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { eventually, openPortLink, useSessionTerminal, type OpenedPortLink } from '../helpers.js';

const hostileApp = fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'hostile-http.sh'));

describe('hostile upstreams behind a port link', () => {
  const ctx = useSessionTerminal();
  let opened: OpenedPortLink | undefined;
  const link = (p: string) => `${opened!.url}${p.slice(1)}`;
  const visitor = () => ({ cookie: opened!.cookie });

  test('broken status lines, headers, a 101 to a plain request and garbage each give the reader a 502 page, and the server lives on', async () => {
    const r = await ctx.term.run(
      `docker run -d -p 9001:9001 --name hostile busybox sh -c 'echo ${hostileApp.toString('base64')} | base64 -d > /h.sh && exec nc -ll -p 9001 -e sh /h.sh' >/dev/null`,
      120_000,
    );
    assert.equal(r.exit, 0, r.output);
    opened = await openPortLink(ctx.server, ctx.session, 9001);
    await eventually(async () => assert.equal(await (await fetch(link('/'), { headers: visitor() })).text(), 'ok\n'), 20_000);

    const cases: [string, RegExp][] = [
      ['/status-099', /status 99/],
      ['/status-999', /status 999/],
      ['/reason-control', /not valid HTTP/],
      ['/header-control', /not valid HTTP/],
      ['/endless-headers', /more header bytes than a browser would take/],
      ['/endless-status', /not valid HTTP|more header bytes/],
      ['/switching', /status 101/],
      ['/garbage', /not valid HTTP/],
    ];
    for (const [p, why] of cases) {
      const res = await fetch(link(p), { headers: visitor() });
      const body = await res.text();
      assert.equal(res.status, 502, `${p}: ${body.slice(0, 200)}`);
      assert.match(body, /Port 9001 did not answer/, p);
      assert.match(body, why, p);
    }
    // The server took all of it: health answers, the terminal types, and the app's good path still works.
    assert.equal((await fetch(`${ctx.server.url}/api/health`)).status, 200);
    assert.equal((await ctx.term.run('echo still here')).output.trim(), 'still here');
    assert.equal(await (await fetch(link('/'), { headers: visitor() })).text(), 'ok\n');
  });

  test('an app that never answers gets the "did not answer in time" page; one that stalls mid-body has the connection cut', async () => {
    const [head, body] = await Promise.all([
      fetch(link('/stalled-head'), { headers: visitor() }).then(async (res) => ({ status: res.status, text: await res.text() })),
      fetch(link('/stalled-body'), { headers: visitor() }).then(async (res) => {
        assert.equal(res.status, 200);
        return res.text().then(
          () => 'complete',
          () => 'cut',
        );
      }),
    ]);
    assert.equal(head.status, 502);
    assert.match(head.text, /did not answer in time/);
    assert.equal(body, 'cut', 'a body that stops halfway must not be passed off as complete');
    assert.equal((await fetch(`${ctx.server.url}/api/health`)).status, 200);
    assert.equal((await ctx.term.run('docker rm -f hostile >/dev/null && echo removed', 60_000)).output.trim(), 'removed');
  });
});
