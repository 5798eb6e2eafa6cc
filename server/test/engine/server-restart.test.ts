// Killing the server with SIGKILL mid-lesson loses nothing: the next start re-adopts the live sessions,
// whose tokens and sandboxes still work, their terminals reconnect, and the steps ticked before the
// crash are still ticked; the lesson goes on from there.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { LEARNER_HEADER, type ServerEvent } from '@berth/shared';
import { ServerProcess, TerminalClient } from '../helpers.js';

test('after SIGKILL mid-lesson and a restart: the session, its terminal and the lesson progress are all still there', async () => {
  const server = new ServerProcess();
  await server.start();
  try {
    // A learner of this run only: progress is kept in BERTH_DATA's store, which every run on a host shares.
    const learner = { [LEARNER_HEADER]: `learner-through-a-crash-${crypto.randomBytes(4).toString('hex')}` };
    const created = await fetch(`${server.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', ...learner }, body: '{"lesson":"what-is-docker"}' });
    assert.equal(created.status, 201);
    const s = await created.json();
    const auth = { authorization: `Bearer ${s.token}` };
    const onStep = (step: string) => ({
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ lesson: 'what-is-docker', step }),
    });
    const term = await TerminalClient.connect(server, s);
    await term.ready();
    assert.equal((await fetch(`${server.url}/api/sessions/${s.id}/lesson`, onStep('version'))).status, 200);
    term.type('docker version\r');
    await term.waitForEvent((e) => e.type === 'step' && e.step === 'version' && e.done, 30_000, 'the version step to tick');
    assert.equal((await term.run('touch ~/made-before-the-crash && docker run -d --name survivor busybox sleep 600 >/dev/null')).exit, 0);

    await server.stop('SIGKILL');
    await term.waitFor(() => term.closeInfo, 5000, 'the socket to drop');
    await server.start();

    const view = await fetch(`${server.url}/api/sessions/${s.id}`, { headers: auth });
    assert.equal(view.status, 200);
    assert.equal((await view.json()).state, 'ready');
    assert.equal((await fetch(`${server.url}/api/sessions/${s.id}`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    const progress = await (await fetch(`${server.url}/api/progress`, { headers: learner })).json();
    assert.deepEqual(progress['what-is-docker'], { lesson: 'what-is-docker', done: ['version'], current: 'info', finished: false });

    const again = await TerminalClient.connect(server, s);
    await again.ready();
    const r = await again.run('ls ~/made-before-the-crash && docker ps --format "{{.Names}}"');
    assert.equal(r.exit, 0, r.output);
    assert.match(r.output, /^survivor$/m);
    // The page puts the learner back on their step; the next command ticks it as before the crash.
    const resumed = await fetch(`${server.url}/api/sessions/${s.id}/lesson`, onStep('info'));
    assert.deepEqual(await resumed.json(), { lesson: 'what-is-docker', done: ['version'], current: 'info', finished: false });
    again.type('docker info\r');
    const ticked = await again.waitForEvent((e) => e.type === 'step' && e.step === 'info' && e.done, 30_000, 'the info step to tick');
    assert.deepEqual(ticked, { type: 'step', lesson: 'what-is-docker', step: 'info', done: true } satisfies ServerEvent);
    await again.close();
    assert.equal((await fetch(`${server.url}/api/sessions/${s.id}`, { method: 'DELETE', headers: auth })).status, 204);
  } finally {
    await server.stop('end-sessions');
  }
});
