// A visitor gets their prompt once a shell can sit in the engine's namespaces, while the sandbox's own engine
// still starts; the sandbox's `docker` (native/session/docker-waits) waits for that engine. Real sandboxes,
// typed into real terminals.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSession, startTestServer, TerminalClient, type TestServer } from '../helpers.js';

describe('the first prompt before the engine', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => server?.close());

  test('the session is ready before its engine answers, and a docker run typed at the first prompt runs once it does', async () => {
    const s = await createSession(server);
    const term = await TerminalClient.connect(server, s);
    try {
      assert.equal(await server.berth.sessions.get(s.id)!.ready, true);
      const readyAt = Date.now();
      await term.waitForText(/\$ $/m, 30_000);
      const run = await term.run('docker run --rm hello-world', 60_000);
      assert.equal(run.exit, 0, run.output);
      assert.match(run.output, /Hello from Docker!/);
      // The sandbox's clock is the host's: when its engine first answered, to the millisecond.
      const stamp = await term.run('date -r /run/user/1000/engine-ready +%s%3N');
      const engineReadyAt = Number(stamp.output.trim());
      assert.ok(Number.isFinite(engineReadyAt), stamp.output);
      assert.ok(engineReadyAt > readyAt, `the session was ready ${engineReadyAt - readyAt} ms after its engine answered; it should come first`);
    } finally {
      await term.close();
    }
  });

  test('keys typed the moment the terminal opens, before the login shell prints its prompt, reach it: what came before a Ctrl-C among them is gone, as on a terminal, and the line after it runs as typed', async () => {
    const s = await createSession(server);
    // A login shell slow to its first prompt, as under load: the keys below surely come before it.
    assert.equal(await server.berth.sessions.get(s.id)!.ready, true);
    const slow = await server.berth.runtime.exec(s.id, ['sh', '-c', 'echo "sleep 2" >> /home/user/.bashrc']);
    assert.equal(slow.exitCode, 0, slow.output);
    const term = await TerminalClient.connect(server, s);
    try {
      // What the page's key bar and a quick visitor send once the page says ready, before any prompt is on the screen.
      await term.waitForEvent((e) => e.type === 'status' && e.state === 'ready', 30_000, 'status ready');
      term.type('sleep 300\r');
      term.type('\x03');
      term.type('echo after-$((1+1))\r');
      assert.doesNotMatch(term.text, /\$ $/m, 'the prompt is not there yet');
      await term.waitForText(/^after-2\r?$/m, 30_000);
      const ran = await term.waitForEvent((e) => e.type === 'command' && e.line === 'echo after-$((1+1))', 10_000, 'the command event of the echo');
      assert.equal((ran as { exit: number }).exit, 0);
      assert.doesNotMatch(term.text, /command not found/);
      assert.ok(!term.events.some((e) => e.type === 'command' && e.line === 'sleep 300'), 'the line the Ctrl-C ended never ran');
      assert.equal((await term.run('echo still-$((2+2))')).output.trim(), 'still-4');
    } finally {
      await term.close();
    }
  });

  test("a docker typed while the engine still starts says so on the terminal, not in a check's output, and runs once the engine answers", async () => {
    const s = await createSession(server);
    const term = await TerminalClient.connect(server, s);
    try {
      await term.ready();
      assert.equal((await term.run('docker ps -q')).exit, 0);
      // As if the engine were still starting: its ready mark is held back for 1.5 s (the visitor owns it).
      const hold = 'mv /run/user/1000/engine-ready /run/user/1000/held && setsid -f sh -c "sleep 1.5; mv /run/user/1000/held /run/user/1000/engine-ready"';
      await term.run(hold);
      const waited = await term.run('docker ps --format "{{.Names}}"; echo "ps done"', 30_000);
      assert.equal(waited.exit, 0, waited.output);
      assert.match(waited.output, /berth: the Docker engine is still starting; this command runs as soon as it is ready\.\.\.\r?\n(.*\n)*ps done/);
      await term.run(hold);
      // Not on a terminal (a check, a script's 2>&1): nothing but docker's own output.
      const piped = await term.run('docker version --format "{{.Server.Version}}" 2>&1 | cat', 30_000);
      assert.equal(piped.exit, 0, piped.output);
      assert.match(piped.output.trim(), /^\d+\.\d+\.\d+\S*$/);
    } finally {
      await term.close();
    }
  });
});
