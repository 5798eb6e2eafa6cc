// The prompt comes before the sandbox's engine answers. A visitor who fills their disk in that moment stops
// their own engine from starting (it cannot write its state): that session ends, saying why, and it is not
// counted as a failed start (two in a row would make the host "failing", Start refused to everyone).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerEvent } from '@berth/shared';
import { createSession, startTestServer, TerminalClient } from '../helpers.js';

/** Typed at the first prompt: says whether the engine already listened, then leaves the disk 8 KiB free. */
const FILL = '[ -S /run/user/1000/docker.sock ] && echo engine-was-$((0+1)); fallocate -l $(( $(df --output=avail -B1 ~ | tail -1) - 8192 )) ~/fill; echo filled-$((1+1))\r';

test('a visitor who fills their disk at the first prompt, before their engine has started, ends only their own session, told why; no failed start is counted and the next visitor gets a sandbox', async () => {
  const server = await startTestServer({ BERTH_SESSION_DISK: '512m', BERTH_POOL_SIZE: '0' });
  try {
    let ended: Extract<ServerEvent, { type: 'status' }> | undefined;
    // The engine starts in about a second after the prompt: if it won the race, it was up before the disk
    // filled (the session then lives on, its disk full) and the attempt is made again with a new session.
    for (let attempt = 0; attempt < 4 && !ended; attempt++) {
      const s = await createSession(server);
      const term = await TerminalClient.connect(server, s);
      // Typed once the terminal is this page's (keys sent while the sandbox starts are dropped), before the
      // shell's first prompt: they wait for it.
      await term.waitForEvent((e) => e.type === 'control' && e.controlling, 60_000, 'the terminal');
      term.type(FILL);
      await term.waitForText(/^filled-2$/m, 30_000);
      const outcome = await term.waitFor(
        () => term.events.find((e) => e.type === 'status' && e.state === 'ended') ?? (term.text.includes('engine-was-1') ? 'engine-was-up' : undefined),
        60_000,
        'the session to end, or word that its engine was up first',
      );
      if (outcome !== 'engine-was-up') ended = outcome as Extract<ServerEvent, { type: 'status' }>;
      await term.close();
      if (!ended) await server.berth.sessions.end(s.id, 'ended-by-user');
    }
    assert.ok(ended, 'in four attempts the disk never filled before the engine was up');
    assert.equal(ended.reason, 'limit');
    assert.match(ended.message ?? '', /^This session's disk \(512 MB\) filled up while its Docker engine was still starting, so the engine could not start/);
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as { starts: { failed: number; failing: boolean } };
    assert.deepEqual([health.starts.failed, health.starts.failing], [0, false], 'no failed start counted');

    const next = await createSession(server);
    const term = await TerminalClient.connect(server, next);
    await term.ready();
    assert.match((await term.run('docker info --format "engine {{.ServerVersion}}"', 60_000)).output, /^engine \d+/m);
    await term.close();
  } finally {
    await server.close();
  }
});
