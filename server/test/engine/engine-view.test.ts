// The engine view against a real session engine (issue 14): the picture follows `docker run`, `docker build`
// and `docker rm` within a second of the command, layers shared with the base image are one layer, two
// sockets share one watch, a stranger gets nothing, and a learner who shapes the engine's answers (a fake
// engine on the socket, a flood of containers) gets a bounded picture and a server that goes on.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CloseCode, ENGINE_VIEW_PATH, type EngineViewMessage } from '@berth/shared';
import WebSocket from 'ws';
import { useSessionTerminal } from '../helpers.js';

class EngineViewClient {
  readonly messages: { at: number; message: EngineViewMessage }[] = [];
  closed?: { code: number; reason: string };
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.messages.push({ at: performance.now(), message: JSON.parse(String(data)) as EngineViewMessage }));
    ws.on('close', (code, reason) => (this.closed = { code, reason: String(reason) }));
  }

  static open(url: string, s: { id: string; token: string }): Promise<EngineViewClient> {
    const ws = new WebSocket(`${url.replace('http', 'ws')}${ENGINE_VIEW_PATH(s.id)}?token=${encodeURIComponent(s.token)}`);
    const client = new EngineViewClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  get picture() {
    return this.messages.at(-1)?.message.picture;
  }

  async until(what: string, check: (m: EngineViewMessage) => boolean, timeoutMs = 10_000): Promise<{ at: number; message: EngineViewMessage }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find((m) => check(m.message));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last changes: ${JSON.stringify(this.messages.slice(-3).map((m) => m.message.changes.map((c) => c.text.en)))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.ws.close();
  }
}

const said = (text: RegExp) => (m: EngineViewMessage) => m.changes.some((c) => text.test(c.text.en));

describe('engine view', () => {
  const ctx = useSessionTerminal();

  test('docker run, build and rm are drawn within a second; the built image shares debian\'s layer, drawn once', async () => {
    const view = await EngineViewClient.open(ctx.server.url, ctx.session);
    try {
      await view.until('the first picture', () => true);
      const ran = await ctx.term.run('docker run -d --name web -p 8080:80 nginx >/dev/null');
      assert.equal(ran.exit, 0);
      const ended = performance.now();
      const created = await view.until('web created', said(/^container web created from nginx$/));
      assert.ok(created.at - ended < 1000, `drawn ${Math.round(created.at - ended)} ms after the command ended`);
      // Created, then started: the picture that says it runs has its port.
      await view.until('web running', (m) => m.picture.containers.some((c) => c.name === 'web' && c.state === 'running'));
      const web = view.picture!.containers.find((c) => c.name === 'web')!;
      assert.deepEqual(web.ports, [{ private: 80, public: 8080, type: 'tcp' }]);
      assert.equal(web.state, 'running');
      assert.equal(view.picture!.images.find((i) => i.id === web.imageId)?.tags[0], 'nginx:latest');

      await ctx.term.run("mkdir -p ~/demo && printf 'FROM debian:bookworm\\nRUN echo hi > /hi\\nCMD [\"cat\", \"/hi\"]\\n' > ~/demo/Dockerfile");
      // BuildKit keeps the base it fetches in its own cache: pulled, debian is an image of the engine too.
      assert.equal((await ctx.term.run('docker pull -q debian:bookworm >/dev/null', 120_000)).exit, 0);
      assert.equal((await ctx.term.run('docker build -q -t demo ~/demo >/dev/null', 120_000)).exit, 0);
      await view.until('demo built', said(/^image demo:latest: 1 layer on top of debian:bookworm$/), 15_000);
      const last = view.messages.at(-1)!.message;
      assert.ok(last.changes.some((c) => c.text.en === 'layer added by RUN echo hi > /hi'), JSON.stringify(last.changes));
      const demo = view.picture!.images.find((i) => i.tags.includes('demo:latest'))!;
      const debian = view.picture!.images.find((i) => i.tags.includes('debian:bookworm'))!;
      assert.equal(demo.layers.length, debian.layers.length + 1);
      assert.deepEqual(demo.layers.slice(0, -1).map((l) => l.id), debian.layers.map((l) => l.id), 'the base layers are the same layers');

      await ctx.term.run('docker rm -f web >/dev/null');
      await view.until('web removed', said(/^container web removed$/));
      assert.equal(view.picture!.containers.some((c) => c.name === 'web'), false);
    } finally {
      view.close();
    }
  });

  test('two sockets share one watch, which stops when the last one goes; a stranger is refused', async () => {
    const a = await EngineViewClient.open(ctx.server.url, ctx.session);
    const b = await EngineViewClient.open(ctx.server.url, ctx.session);
    await a.until('a picture', () => true);
    await b.until('a picture', () => true);
    assert.equal(ctx.server.berth.engineWatch.followed, 1);
    a.close();
    b.close();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(ctx.server.berth.engineWatch.followed, 0);

    const stranger = await EngineViewClient.open(ctx.server.url, { id: ctx.session.id, token: 'x'.repeat(ctx.session.token.length) });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(stranger.closed?.code, CloseCode.unauthorized);
    assert.equal(stranger.messages.length, 0);
  });

  test('a fake engine on the socket that answers a 3 MB name to every call is drawn bounded, and the server goes on', async () => {
    // The learner owns the socket's path: a server of theirs (nc on a unix socket) answers every call.
    const sock = '/run/user/1000/docker.sock';
    const fake = [
      `{ printf '[{"Id":"c","Names":["/'; head -c 3000000 /dev/zero | tr '\\0' n; printf '"]}]'; } > ~/fake-body`,
      `mv ${sock} ${sock}.real`,
      `( while :; do rm -f ${sock}; { printf 'HTTP/1.0 200 OK\\r\\n\\r\\n'; cat ~/fake-body; } | nc -N -lU ${sock} >/dev/null 2>&1 || break; done ) & true`,
      // Listening before the view opens (under load the loop may not be there yet: the first picture would be the real engine's absence).
      `for i in $(seq 100); do [ -S ${sock} ] && break; sleep 0.1; done; [ -S ${sock} ]`,
    ];
    for (const line of fake) assert.equal((await ctx.term.run(line)).exit, 0, line);
    const view = await EngineViewClient.open(ctx.server.url, ctx.session);
    try {
      const first = await view.until('a picture', () => true, 30_000);
      assert.equal(first.message.picture.truncated, true, 'past the limit: drawn from whole lines, and said to be partial');
      for (const c of first.message.picture.containers) assert.ok(c.name.length <= 256, 'names are cut');
      assert.equal((await fetch(`${ctx.server.url}/api/health`)).status, 200, 'the server still answers');
    } finally {
      view.close();
      await ctx.term.run(`kill %1; pkill -x nc; wait; mv -f ${sock}.real ${sock}; rm -f ~/fake-body`);
    }
  });

  // Last: it ends the session the others share.
  test('the session ending closes every engine view socket with "session ended", and its watch goes', async () => {
    const view = await EngineViewClient.open(ctx.server.url, ctx.session);
    await view.until('a picture', () => true);
    const res = await fetch(`${ctx.server.url}/api/sessions/${ctx.session.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ctx.session.token}` } });
    assert.ok(res.ok, `DELETE answered ${res.status}`);
    for (let i = 0; i < 100 && !view.closed; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(view.closed?.code, CloseCode.sessionEnded);
    assert.equal(ctx.server.berth.engineWatch.followed, 0);
  });
});
