// A hostile visitor pastes one 80 000-character command line into a lesson: the catalog's patterns
// (matched on every command) must not stall the server. Meanwhile another visitor's terminal keeps
// echoing and their steps still tick; afterwards the attacker's own lesson still works. The server runs
// in a process of its own, so a stalled server fails this test instead of freezing it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ServerEvent } from '@berth/shared';
import { ServerProcess, TerminalClient } from '../helpers.js';

const server = new ServerProcess();
before(() => server.start());
after(async () => {
  // `berth stop --end-sessions` ends the sessions. A server stuck in a regex cannot hear it: kill it, and
  // let a fresh start on the same instance adopt its sessions and end them.
  const answers = await fetch(`${server.url}/api/health`, { signal: AbortSignal.timeout(10_000) }).then(() => true, () => false);
  if (!answers) {
    await server.stop('SIGKILL');
    await server.start();
  }
  await server.stop('end-sessions');
});

async function learner(lesson: string, step: string) {
  const created = await fetch(`${server.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ lesson, lang: 'en' }) });
  assert.equal(created.status, 201, await created.clone().text());
  const s = await created.json();
  const term = await TerminalClient.connect(server, s);
  await term.ready();
  const put = await fetch(`${server.url}/api/sessions/${s.id}/lesson`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
    body: JSON.stringify({ lesson, step }),
  });
  assert.equal(put.status, 200, await put.clone().text());
  return { s, term };
}

const ticked = (step: string) => (e: ServerEvent) => e.type === 'step' && e.step === step && e.done;

test('an 80 000-character command line in a lesson: another session keeps echoing and ticking, the lesson still works', async () => {
  const attacker = await learner('first-container', 'run-hello');
  const victim = await learner('what-is-docker', 'version');
  try {
    // `docker run` and 80 000 spaces: the shape that made V8 backtrack for hours on run-hello's mistakes.
    // Pasted (bracketed paste, in frames under the 64 KiB limit) as a learner's browser would.
    const line = `docker run${' '.repeat(80_000)}`;
    const paste = `\x1b[200~${line}\x1b[201~\r`;
    for (let i = 0; i < paste.length; i += 16_000) attacker.term.type(paste.slice(i, i + 16_000));
    await attacker.term.waitForText(/requires at least 1 argument/, 120_000);

    // The attacker's command was matched (or is being matched) right now: the other session answers.
    for (let i = 0; i < 5; i++) assert.match((await victim.term.run(`echo still-here-${i}`, 15_000)).output, new RegExp(`still-here-${i}`));
    victim.term.type('docker version\r');
    await victim.term.waitForEvent(ticked('version'), 30_000, 'the victim\'s version step to tick');
    victim.term.type('docker info\r');
    await victim.term.waitForEvent(ticked('info'), 30_000, 'the victim\'s info step to tick');

    // The long line was a command of the lesson (the marks read it from the history) that met nothing and
    // drew no mistake; the attacker's own step still ticks the normal way.
    const recorded = await attacker.term.run("HISTTIMEFORMAT= history 2 | head -n 1 | wc -c", 30_000);
    assert.ok(Number(recorded.output.trim()) > 80_000, `the history holds the long line: ${recorded.output}`);
    assert.equal(attacker.term.events.filter((e) => e.type === 'step').length, 0, 'no step event for the long line');
    attacker.term.type('docker run hello-world\r');
    await attacker.term.waitForEvent(ticked('run-hello'), 90_000, 'run-hello to tick');
  } finally {
    await Promise.all([attacker.term.close(), victim.term.close()]);
  }
});
