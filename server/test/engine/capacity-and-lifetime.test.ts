// A full host queues the next visitor and admits them when a slot frees; the warm pool hands over
// clean sandboxes; extensions and warnings; a full disk says so while another session keeps working.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, test } from 'node:test';
import { LEARNER_HEADER, type ServerEvent } from '@berth/shared';
import { createSession, eventually, fetchMetrics, startTestServer, TerminalClient } from '../helpers.js';

describe('capacity, pool and lifetime', () => {
  test('at capacity the next visitor waits in line at position 1 and is admitted when a slot frees', async () => {
    const server = await startTestServer({ BERTH_MAX_SESSIONS: '1', BERTH_MAX_SESSIONS_PER_CLIENT: '5' });
    try {
      const first = await createSession(server);
      assert.equal(await server.berth.sessions.get(first.id)!.ready, true);
      const second = await createSession(server);
      const term = await TerminalClient.connect(server, second);
      const queued = await term.waitForEvent((e) => e.type === 'queue', 5000, 'a queue event');
      assert.equal(queued.type === 'queue' && queued.position, 1);
      assert.ok(term.events.some((e) => e.type === 'status' && e.state === 'queued'));
      const view = await (await fetch(`${server.url}/api/sessions/${second.id}`, { headers: { authorization: `Bearer ${second.token}` } })).json();
      assert.equal(view.state, 'queued');
      assert.deepEqual(await server.berth.runtime.listSandboxes(), [first.id], 'no sandbox for the queued visitor yet');

      await server.berth.sessions.end(first.id, 'ended-by-user');
      await term.ready();
      assert.match((await term.run('docker info --format "{{.ServerVersion}}"')).output, /^\d+\.\d+/m);
      await term.close();
    } finally {
      await server.close();
    }
  });

  test('starts wait their turn past BERTH_STARTS_AT_ONCE: the page says how many start before it; one that leaves while waiting is never made', async () => {
    const server = await startTestServer({ BERTH_STARTS_AT_ONCE: '1', BERTH_POOL_SIZE: '0', BERTH_MAX_SESSIONS_PER_CLIENT: '5' });
    try {
      const [first, second, third] = [await createSession(server), await createSession(server), await createSession(server)];
      const term = await TerminalClient.connect(server, third);
      const waiting = await term.waitForEvent((e) => e.type === 'status' && e.state === 'starting' && !!e.message, 5000, 'a waiting note');
      assert.equal(waiting.type === 'status' && waiting.message, 'waiting to start: 2 sandboxes are starting before yours (a few at a time, so that each comes up)');
      await server.berth.sessions.end(second.id, 'ended-by-user');
      assert.equal(await server.berth.sessions.get(first.id)!.ready, true);
      await term.ready(60_000);
      assert.match((await term.run('docker info --format "{{.ServerVersion}}"')).output, /^\d+\.\d+/m);
      assert.deepEqual((await server.berth.runtime.listSandboxes()).sort(), [first.id, third.id].sort(), 'the one that left was never started');
      const health = (await (await fetch(`${server.url}/api/health`)).json()) as { starts: { failed: number; failing: boolean } };
      assert.deepEqual([health.starts.failed, health.starts.failing], [0, false], 'leaving is not a failed start');
      await term.close();
    } finally {
      await server.close();
    }
  });

  test('one visitor (a browser, known by the learner id its page sends) cannot take many sessions', async () => {
    const server = await startTestServer({ BERTH_MAX_SESSIONS_PER_CLIENT: '1' });
    try {
      const learner = { [LEARNER_HEADER]: `one-browser-${crypto.randomBytes(4).toString('hex')}` };
      const post = () => fetch(`${server.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', ...learner }, body: '{}' });
      const first = await post();
      assert.equal(first.status, 201);
      const res = await post();
      assert.equal(res.status, 429);
      assert.match((await res.json()).message, /already have 1 live session/);
    } finally {
      await server.close();
    }
  });

  test('the warm pool hands over a ready, clean sandbox at once and refills', async () => {
    const server = await startTestServer({ BERTH_POOL_SIZE: '1' });
    try {
      await server.berth.recover();
      const poolReady = async (n: number) => assert.match(await fetchMetrics(server.url), new RegExp(`^berth_pool_ready ${n}$`, 'm'));
      await eventually(() => poolReady(1), 60_000);
      const pooled = (await server.berth.runtime.listSandboxes())[0];
      const s = await createSession(server);
      assert.equal(s.id, pooled, 'the visitor got the pooled sandbox');
      assert.equal(server.berth.sessions.get(s.id)!.state, 'ready', 'ready on arrival');
      const term = await TerminalClient.connect(server, s);
      await term.ready();
      const clean = await term.run('docker ps -aq | wc -l; docker images -q | wc -l; ls -A ~ | grep -v -e "^\\.bash" -e "^\\.profile$" -e "^\\.local$" -e "^\\.berth$" -e "^\\.config$" | wc -l; history | wc -l');
      assert.deepEqual(clean.output.trim().split('\n').map(Number), [0, 0, 0, 1], clean.output);
      await term.close();
      // Refilled in the background for the next visitor.
      await eventually(() => poolReady(1), 60_000);
      assert.equal((await server.berth.runtime.listSandboxes()).length, 2);
    } finally {
      await server.close();
    }
    assert.deepEqual(await server.berth.runtime.listSandboxes(), [], 'closing the server removes pooled sandboxes too');
  });

  test('an extension is offered near the end, warnings come before it, and the end says why', async () => {
    const server = await startTestServer({ BERTH_REAP_INTERVAL_MS: '200', BERTH_WARN_BEFORE_MIN: '5', BERTH_EXTEND_MIN: '30', BERTH_MAX_EXTENSIONS: '1' });
    try {
      const s = await createSession(server);
      const term = await TerminalClient.connect(server, s);
      await term.ready();
      const lifetime = await term.waitForEvent((e) => e.type === 'lifetime');
      assert.equal(lifetime.type === 'lifetime' && lifetime.canExtend, false);
      const auth = { authorization: `Bearer ${s.token}` };
      const early = await fetch(`${server.url}/api/sessions/${s.id}/extend`, { method: 'POST', headers: auth });
      assert.equal(early.status, 409);
      assert.match((await early.json()).message, /last 10 minutes/);

      const session = server.berth.sessions.get(s.id)!;
      session.expiresAt = Date.now() + 4 * 60_000;
      const warning = await term.waitForEvent((e) => e.type === 'warning', 5000, 'a warning');
      assert.equal(warning.type === 'warning' && warning.kind, 'expiring');
      const ok = await fetch(`${server.url}/api/sessions/${s.id}/extend`, { method: 'POST', headers: auth });
      assert.equal(ok.status, 200);
      const body = await ok.json();
      assert.equal(body.extensionsLeft, 0);
      assert.ok(Date.parse(body.expiresAt) > Date.now() + 33 * 60_000);
      const again = await fetch(`${server.url}/api/sessions/${s.id}/extend`, { method: 'POST', headers: auth });
      assert.equal(again.status, 409);
      assert.match((await again.json()).message, /all its extensions/);

      session.lastActivityAt = Date.now() - 15 * 60_000 + 60_000;
      const idle = await term.waitForEvent((e) => e.type === 'warning' && e.kind === 'idle', 5000, 'an idle warning');
      assert.ok(idle.type === 'warning' && idle.secondsLeft <= 60);
      session.lastActivityAt = Date.now() - 16 * 60_000;
      const ended = await term.waitForEvent((e) => e.type === 'status' && e.state === 'ended', 5000, 'the end');
      assert.equal(ended.type === 'status' && ended.reason, 'idle');
    } finally {
      await server.close();
    }
  });

  test('a session that fills its disk is told its quota and how to free space; another session works on', async () => {
    const server = await startTestServer({ BERTH_SESSION_DISK: '512m' });
    try {
      const [a, b] = await Promise.all([createSession(server), createSession(server)]);
      const [ta, tb] = await Promise.all([TerminalClient.connect(server, a), TerminalClient.connect(server, b)]);
      await Promise.all([ta.ready(), tb.ready()]);
      // A session whose engine runs (filled while it still starts: disk-filled-at-start.test.ts).
      assert.equal((await ta.run('docker info --format "{{.ServerVersion}}" >/dev/null', 60_000)).exit, 0);
      await ta.run('dd if=/dev/zero of=~/fill bs=1M count=1024 2>/dev/null', 120_000);
      const full = await ta.waitForEvent((e) => e.type === 'disk' && e.full, 10_000, 'disk full');
      assert.match((full as Extract<ServerEvent, { type: 'disk' }>).message ?? '', /used its 512 MB of disk.*docker system prune/);
      const other = await tb.run('docker run --rm busybox echo fine');
      assert.match(other.output, /^fine$/m);
      assert.ok(!tb.events.some((e) => e.type === 'disk' && e.full));
      await ta.run('rm ~/fill');
      await ta.waitForEvent((e) => e.type === 'disk' && !e.full && ta.events.indexOf(e) > ta.events.indexOf(full), 10_000, 'disk no longer full');
      await Promise.all([ta.close(), tb.close()]);
    } finally {
      await server.close();
    }
  });
});
