// Resource abuse inside one session is stopped by its limits, the learner is told which limit, and the
// session goes on.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useSessionTerminal } from '../helpers.js';

describe('abuse inside a session', () => {
  const ctx = useSessionTerminal({ BERTH_SESSION_MEMORY: '512m' });

  test('a memory hog is killed at the session\'s limit, the learner is told, the shell lives on', async () => {
    const r = await ctx.term.run('tail /dev/zero', 60_000);
    assert.notEqual(r.exit, 0);
    const told = await ctx.term.waitForEvent((e) => e.type === 'error' && /memory limit \(512 MB\)/.test(e.message), 10_000, 'the memory message');
    assert.ok(told);
    assert.match((await ctx.term.run('echo still-here')).output, /^still-here$/m);
  });

  test('a memory hog in a nested container is stopped the same way', async () => {
    const before = ctx.term.events.length;
    await ctx.term.run('docker run --rm busybox tail /dev/zero; true', 90_000);
    await ctx.term.waitForEvent((e) => ctx.term.events.indexOf(e) >= before && e.type === 'error' && /memory limit/.test(e.message), 10_000, 'the memory message');
    assert.match((await ctx.term.run('docker run --rm busybox echo engine-fine')).output, /^engine-fine$/m);
  });
});
