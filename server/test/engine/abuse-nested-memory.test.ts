// A memory hog in a nested container is stopped at the session's limit and the learner is told which limit.
// Docker runtime only for now: on the lxd runtime the inner engine gives each container a memory cgroup of its
// own below the sandbox's, and cgroup v1 counts the OOM kill there, not in the sandbox's cgroup that Berth
// reads (the limit holds: the container exits 137; the sentence does not come). See README, "The lxd runtime".
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useSessionTerminal } from '../helpers.js';

describe('a memory hog in a nested container', () => {
  const ctx = useSessionTerminal({ BERTH_SESSION_MEMORY: '512m' });

  test('is killed at the session\'s limit, the learner is told, and the engine goes on', async () => {
    const hog = await ctx.term.run('docker run --rm busybox tail /dev/zero', 90_000);
    assert.equal(hog.exit, 137, hog.output);
    await ctx.term.waitForEvent((e) => e.type === 'error' && /memory limit \(512 MB\)/.test(e.message), 10_000, 'the memory message').catch(async (err: Error) => {
      const hits = await ctx.server.berth.runtime.limitHits(ctx.session.id).catch(() => 'unknown');
      throw new Error(`${err.message}\nthe session's counters now: ${JSON.stringify(hits)}`);
    });
    assert.match((await ctx.term.run('docker run --rm busybox echo engine-fine')).output, /^engine-fine$/m);
  });
});
