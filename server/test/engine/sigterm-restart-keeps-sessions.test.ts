// A restart (SIGTERM, as systemctl restart or an upgrade sends) keeps visitors: the terminal socket closes
// with "server restarting" (1012), and the next start takes the session back with its token, its files
// and a working terminal, which says the server restarted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloseCode } from '@berth/shared';
import { loadConfig } from '../../src/config.js';
import { hostPaths } from '../../src/host/host-services.js';
import { instanceLeftovers } from '../../src/runtime/instance-leftovers.js';
import { createSession, ServerProcess, TerminalClient } from '../helpers.js';

test('after SIGTERM and a start: the session, its token, the files in its home and its terminal are all still there', async () => {
  const server = new ServerProcess({ BERTH_READY_TIMEOUT_MS: '120000' });
  await server.start();
  try {
    const s = await createSession(server);
    const auth = { authorization: `Bearer ${s.token}` };
    const term = await TerminalClient.connect(server, s);
    await term.ready(120_000);
    assert.equal((await term.run('echo kept > ~/made-before-the-restart && docker run -d --name survivor busybox sleep 600 >/dev/null')).exit, 0);

    await server.stop('SIGTERM');
    assert.equal(server.exitCode, 0);
    await term.waitFor(() => term.closeInfo, 5000, 'the socket to close');
    assert.deepEqual(term.closeInfo, { code: CloseCode.serverRestarting, reason: 'the Berth server is restarting' });
    // While the server is down the sandbox keeps running.
    const config = loadConfig(server.env);
    const left = await instanceLeftovers({ engineSocket: config.engineSocket, sessionsDir: hostPaths(config).sessions, instance: config.instance });
    assert.ok(left.some((l) => l.includes(s.id) && l.includes('(running)')), left.join('\n'));

    await server.start();
    const view = await fetch(`${server.url}/api/sessions/${s.id}`, { headers: auth });
    assert.equal(view.status, 200);
    assert.equal((await view.json()).state, 'ready');
    assert.equal((await fetch(`${server.url}/api/sessions/${s.id}`, { headers: { authorization: 'Bearer wrong' } })).status, 401);

    const again = await TerminalClient.connect(server, s);
    await again.ready(120_000);
    // What the page shows: a line saying why the screen starts afresh, then a new prompt.
    assert.match(again.text, /the Berth server restarted: here is a new shell; your files, images and containers are all still here/);
    const r = await again.run('cat ~/made-before-the-restart && docker ps --format "{{.Names}}"');
    assert.equal(r.exit, 0, r.output);
    assert.match(r.output, /^kept$/m);
    assert.match(r.output, /^survivor$/m);
    await again.close();
  } finally {
    await server.stop('end-sessions');
  }
});
