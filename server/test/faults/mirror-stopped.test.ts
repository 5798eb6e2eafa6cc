// The registry mirror stops: a pull inside a session fails, the page is told in words what is down and
// what fails meanwhile, /api/health names the mirror, and Berth starts the mirror again by itself.
// Other helpers' sessions share this mirror: the outage is kept short, and the mirror is restored in any case.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { ensureDaemon, readPid, stopDaemon } from '../../src/host/daemon.js';
import { mirrorSpec } from '../../src/host/host-services.js';
import { createSession, eventually, ServerProcess, TerminalClient } from '../helpers.js';

test('with the mirror stopped a pull fails, the page says the image mirror is restarting, and Berth brings it back', async () => {
  const server = new ServerProcess();
  const spec = mirrorSpec(loadConfig(server.env));
  await server.start();
  let holder: net.Server | undefined;
  try {
    const s = await createSession(server);
    const term = await TerminalClient.connect(server, s);
    await term.ready();
    const before = readPid(spec.pidFile);

    // Stop the mirror, and hold its address for a moment so that it stays down until the pull has failed
    // (Berth would otherwise have it back within a second or two).
    holder = await holdAddress(spec, loadConfig(server.env));
    const health = await eventually(async () => {
      const res = await fetch(`${server.url}/api/health`);
      assert.equal(res.status, 503);
      return res.json();
    });
    assert.deepEqual({ ok: health.ok, engine: health.engine, mirror: health.mirror }, { ok: false, engine: true, mirror: false });
    const down = await term.waitForEvent((e) => e.type === 'host' && !e.up, 10_000, 'the page to hear the mirror is down');
    assert.deepEqual(down, {
      type: 'host',
      part: 'mirror',
      up: false,
      message:
        "Berth's image mirror is not answering, so pulling an image (docker pull, or docker run of an image you do not have yet) fails for now. Berth is restarting it: try again in a few seconds.",
    });
    const failed = await term.run('docker run --rm hello-world', 60_000);
    assert.notEqual(failed.exit, 0, failed.output);
    assert.doesNotMatch(failed.output, /Hello from Docker/);

    await closeServer(holder);
    holder = undefined;
    await term.waitForEvent((e) => e.type === 'host' && e.part === 'mirror' && e.up, 30_000, 'the page to hear the mirror is back');
    const healthy = await (await fetch(`${server.url}/api/health`)).json();
    assert.deepEqual({ ok: healthy.ok, mirror: healthy.mirror }, { ok: true, mirror: true });
    assert.notEqual(readPid(spec.pidFile), before, 'a new mirror process, started by Berth');
    const pulled = await term.run('docker run --rm hello-world', 60_000);
    assert.equal(pulled.exit, 0, pulled.output);
    assert.match(pulled.output, /Hello from Docker!/);
    await term.close();
    assert.equal((await fetch(`${server.url}/api/sessions/${s.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${s.token}` } })).status, 204);
  } finally {
    if (holder) await closeServer(holder);
    await server.stop('end-sessions');
    // Whatever happened above, the mirror answers again before this test ends.
    if (!(await spec.healthy())) await ensureDaemon(spec, () => {});
  }
});

/** Stops the mirror and listens on its address itself, closing every connection (a mirror that is down). */
async function holdAddress(spec: ReturnType<typeof mirrorSpec>, config: ReturnType<typeof loadConfig>): Promise<net.Server> {
  let lastError = '';
  for (let attempt = 0; attempt < 50; attempt++) {
    const stopped = await stopDaemon(spec);
    const holder = net.createServer((socket) => socket.destroy());
    const listening = await new Promise<boolean>((resolve) => {
      holder.once('error', (err) => {
        lastError = `${err.message}${stopped ? '' : ' (and no mirror pid to stop)'}`;
        resolve(false);
      });
      holder.listen(config.mirrorPort, config.serviceIp, () => resolve(true));
    });
    if (listening) return holder;
    holder.close();
    // Berth restarted the mirror in between: stop it again.
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`could not take the mirror's address in 50 attempts: ${lastError}`);
}

const closeServer = (s: net.Server) => new Promise<void>((resolve) => s.close(() => resolve()));
