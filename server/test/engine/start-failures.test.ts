// Health means "a visitor can get a working sandbox now". A server whose sandboxes cannot start (a fresh
// host's tun node: 0600, root) says so on /api/health and /metrics, refuses Start with a sentence, gives the
// visitor whose start failed a sentence and a reference (the log has the engine's words under it), and
// recovers by itself once the node is fixed.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { createRuntime } from '../../src/app.js';
import { createSession, eventually, fetchMetrics, freshHostTunNode, startTestServer, TerminalClient, type TestServer } from '../helpers.js';

const logLines: Record<string, unknown>[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

let server: TestServer;
let tun: ReturnType<typeof freshHostTunNode>;

before(async () => {
  server = await startTestServer(
    {},
    {
      runtime: (config) => {
        tun = freshHostTunNode(config);
        return createRuntime(config, { tunDevice: tun.file });
      },
      logger: { level: 'info', stream: logStream },
    },
  );
});

after(async () => {
  await server?.close();
  tun?.remove();
});

const health = async () => {
  const res = await fetch(`${server.url}/api/health`);
  return { status: res.status, body: (await res.json()) as { ok: boolean; down: string[]; starts: { ok: number; failed: number; failing: boolean; lastFailure?: { at: string; reference: string; cause: string } } } };
};
const metrics = () => fetchMetrics(server.url);
const REFERENCE = /\b[A-HJ-NP-Z2-9]{6}\b/;

test('a failed start: the visitor reads a sentence with a reference, no engine log; the server log has the same reference', async () => {
  assert.equal((await health()).status, 200, 'healthy before any start');
  const s = await createSession(server, { lang: 'en' });
  const term = await TerminalClient.connect(server, s);
  try {
    const ended = await term.waitForEvent((e) => e.type === 'status' && e.state === 'ended', 60_000, 'status ended');
    assert.ok(ended.type === 'status');
    const message = ended.message ?? '';
    assert.match(message, /^Your sandbox could not start because of a problem on the server, not anything you did\./);
    const reference = REFERENCE.exec(message.replace(/^Your/, ''))?.[0];
    assert.ok(reference, message);
    assert.doesNotMatch(message, /rootlesskit|tun|\n/);

    const view = (await (await fetch(`${server.url}/api/sessions/${s.id}`, { headers: { authorization: `Bearer ${s.token}` } })).json()) as { state: string; endReason: string; endMessage: string };
    assert.equal(view.state, 'ended');
    assert.equal(view.endReason, 'error');
    assert.equal(view.endMessage, message);

    const logged = logLines.find((l) => l.reference === reference);
    assert.ok(logged, `a log line carries ${reference}`);
    assert.equal(logged.sandbox, s.id);
    assert.equal(logged.cause, 'the tun device cannot be opened by the sessions');
    // The operator's line has the engine's own words.
    assert.match(String(logged.err), /the sandbox stopped while starting/);
    assert.match(String(logged.msg), new RegExp(reference));
  } finally {
    await term.close();
  }
});

test('while starts fail: health is 503 naming the cause, Start answers 503 with a sentence in the visitor language, /metrics says so', async () => {
  // The probe's start, a second after the visitor's, fails too: two in a row make the host failing.
  const h = await eventually(async () => {
    const now = await health();
    assert.equal(now.status, 503);
    return now;
  }, 30_000);
  assert.equal(h.body.ok, false);
  assert.deepEqual(h.body.down, ['sandbox starts: the tun device cannot be opened by the sessions']);
  assert.equal(h.body.starts.failing, true);
  assert.ok(h.body.starts.failed >= 2);
  assert.match(h.body.starts.lastFailure?.reference ?? '', REFERENCE);

  for (const [lang, sentence] of [
    ['en', /^Sandboxes cannot start right now/],
    ['zh', /^沙箱现在无法启动/],
  ] as const) {
    const res = await fetch(`${server.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ lang }) });
    assert.equal(res.status, 503);
    assert.match(((await res.json()) as { message: string }).message, sentence);
  }

  const m = await metrics();
  assert.match(m, /^berth_sandbox_starts_failing 1$/m);
  assert.match(m, /^berth_sandbox_starts_total\{outcome="failed"\} [1-9]\d*$/m);
});

test('once the tun node is fixed, health comes back by itself and a session starts', async () => {
  tun.fix();
  await eventually(async () => assert.equal((await health()).status, 200), 60_000);
  const h = await health();
  assert.deepEqual(h.body.down, []);
  assert.equal(h.body.starts.failing, false);
  assert.match(await metrics(), /^berth_sandbox_starts_failing 0$/m);

  const s = await createSession(server, { lang: 'en' });
  const term = await TerminalClient.connect(server, s);
  try {
    await term.ready(60_000);
    const { output, exit } = await term.run('docker run --rm hello-world');
    assert.equal(exit, 0, output);
  } finally {
    await term.close();
  }
});
