// A session whose sandbox's machine is emptied for maintenance (an evacuated LXD member) keeps going on a new
// sandbox: over real HTTP and websockets against a real Berth server whose runtime is a stand-in (fake-runtime.ts),
// the visitor's terminal says what happened and what did not come along, the page sees the session start again
// and become ready, and a new shell answers in the same terminal. server/test/cluster evacuates a real member.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createSession, startTestServer, TerminalClient } from '../helpers.js';
import { ClusterFake } from '../fake-runtime.js';

test('evacuated: the same session, a new sandbox; the terminal says so and its new shell answers', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-renewed-'));
  const runtime = new ClusterFake();
  const server = await startTestServer({ BERTH_DATA: dir, BERTH_POOL_SIZE: '0' }, { runtime: () => runtime });
  try {
    const s = await createSession(server);
    const term = await TerminalClient.connect(server, s);
    await term.waitForEvent((e) => e.type === 'status' && e.state === 'ready', 10_000, 'ready');
    term.type('before\r');
    await term.waitForText(/before/);
    const events = term.events.length;

    runtime.lost.set(s.id, { host: 'm3', evacuated: true });
    await term.waitForText(/\(m3\) is being taken out of service for maintenance, so a new sandbox is starting on another machine; your session and lesson progress are kept, but the containers, images and files of the old sandbox did not come along/, 10_000);
    const starting = await term.waitForEvent((e) => term.events.indexOf(e) >= events && e.type === 'status' && e.state === 'starting', 10_000, 'starting again');
    assert.match(starting.type === 'status' ? (starting.message ?? '') : '', /a new sandbox is starting on another machine/);
    await term.waitForEvent((e) => term.events.indexOf(e) >= events && e.type === 'status' && e.state === 'ready', 10_000, 'ready again');
    await term.waitForText(/\[the new sandbox is ready; here is its shell\]/, 10_000);
    term.type('after\r');
    await term.waitForText(/after/);

    assert.equal(runtime.created, 2, 'a second sandbox was made');
    assert.deepEqual([...runtime.sandboxes], [s.id], 'under the same id, the old one removed');
    const view = (await (await fetch(`${server.url}/api/sessions/${s.id}`, { headers: { authorization: `Bearer ${s.token}` } })).json()) as { state: string };
    assert.equal(view.state, 'ready');
    assert.equal(term.events.some((e) => e.type === 'status' && e.state === 'ended'), false, 'the session never ended');
    await term.close();
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
