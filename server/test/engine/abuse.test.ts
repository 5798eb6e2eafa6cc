// Resource abuse inside one session is stopped by its limits, the learner is told which limit, and the
// session goes on.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerEvent } from '@berth/shared';
import Docker from 'dockerode';
import { instanceNamePrefix } from '../../src/runtime/lxd/sandbox-placement.js';
import { useSessionTerminal } from '../helpers.js';

const FORK_BOMB = 'bomb(){ bomb | bomb & }; bomb';
/** In bash, as the classic bomb is pasted: bash retries a refused fork, so the bomb holds at its ceiling. (busybox
 * sh gives up at the first refusal: its bomb dies out within a second, and its PID 1 with it.) */
const NESTED_FORK_BOMB = "bash -c 'bomb(){ bomb | bomb & }; bomb; exec sleep infinity'";

describe('abuse inside a session', () => {
  const ctx = useSessionTerminal({ BERTH_SESSION_MEMORY: '512m' });
  /** Waits for an event that arrived after `since` events. */
  const nextEvent = (since: number, pred: (e: ServerEvent) => boolean, what: string, timeoutMs = 60_000) =>
    ctx.term.waitForEvent((e) => ctx.term.events.indexOf(e) >= since && pred(e), timeoutMs, what);
  /** The learner's "Restart shell": returns once the new shell's prompt is there. */
  const restartShell = async () => {
    const screen = ctx.term.text.length;
    ctx.term.restartShell();
    await ctx.term.waitFor(() => /here is a new one[^]*\$ $/.test(ctx.term.text.slice(screen)), 30_000, 'the new shell\'s prompt');
  };
  const processLimitMessage = (e: ServerEvent) => e.type === 'error' && /process limit \(\d+ running, at most 512\)/.test(e.message);
  /** The process-limit message, after `since` events; a failure says what the session's counters showed. */
  const toldProcessLimit = (since: number) =>
    nextEvent(since, processLimitMessage, 'the process-limit message').catch(async (err: Error) => {
      const hits = await ctx.server.berth.runtime.limitHits(ctx.session.id).catch(() => 'unknown');
      throw new Error(`${err.message}\nthe session's counters now: ${JSON.stringify(hits)}`);
    });

  test('a memory hog is killed at the session\'s limit, the learner is told, the shell lives on', async () => {
    const r = await ctx.term.run('tail /dev/zero', 60_000);
    assert.notEqual(r.exit, 0);
    const told = await ctx.term.waitForEvent((e) => e.type === 'error' && /memory limit \(512 MB\)/.test(e.message), 10_000, 'the memory message');
    assert.ok(told);
    assert.match((await ctx.term.run('echo still-here')).output, /^still-here$/m);
  });

  test('a fork bomb in the shell stops below the session\'s limit; the learner is told; Restart shell ends it and the engine never stopped', async () => {
    const before = ctx.term.events.length;
    ctx.term.type(`${FORK_BOMB}\r`);
    const told = await toldProcessLimit(before);
    assert.match((told as { message: string }).message, /Restart shell/);
    await restartShell();
    // The inner engine kept its share of the process limit: its containers run at once.
    assert.match((await ctx.term.run('docker run --rm busybox echo engine-fine', 60_000)).output, /^engine-fine$/m);
    assert.match((await ctx.term.run('pgrep -c -x bash')).output, /^[1-3]$/m, 'the bomb\'s shells are gone');
  });

  test('a CPU burn on every core gets the session\'s share of CPU, no more', async () => {
    // The host kernel's count for the sandbox's cgroup: a docker container's, or an LXD instance's.
    const { config } = ctx.server;
    const usageFile =
      config.runtime === 'docker'
        ? `/sys/fs/cgroup/cpuacct/docker/${(await new Docker({ socketPath: config.engineSocket }).getContainer(`berth-${config.instance}-${ctx.session.id}`).inspect()).Id}/cpuacct.usage`
        : `/sys/fs/cgroup/cpuacct/lxc.payload.${instanceNamePrefix(config.instance)}${ctx.session.id}/cpuacct.usage`;
    const cpuNs = () => Number(fs.readFileSync(usageFile, 'utf8'));
    ctx.term.type('for i in 1 2 3 4; do (while :; do :; done) & done\r');
    await sleep(1000); // the loops are running
    const [t0, u0] = [process.hrtime.bigint(), cpuNs()];
    await sleep(3000);
    const [t1, u1] = [process.hrtime.bigint(), cpuNs()];
    const cores = (u1 - u0) / Number(t1 - t0);
    await restartShell();
    // BERTH_SESSION_CPUS defaults to 1: four busy loops share one core (a little over from scheduling slack).
    assert.ok(cores > 0.2 && cores < 1.15, `the session used ${cores.toFixed(2)} cores`);
    assert.match((await ctx.term.run('echo calm')).output, /^calm$/m);
  });
});

describe('a fork bomb in a nested container', () => {
  // A session of its own: what earlier attacks left in a session must not decide this one.
  const ctx = useSessionTerminal();
  const processLimitMessage = (e: ServerEvent) => e.type === 'error' && /process limit \(\d+ running, at most 512\)/.test(e.message);

  test('a fork bomb in a nested container is stopped; docker rm -f ends it and the engine goes on', async () => {
    const started = await ctx.term.run(`docker run -d --name bomb debian ${NESTED_FORK_BOMB}`, 60_000);
    assert.equal(started.exit, 0, started.output);
    await ctx.term.waitForEvent(processLimitMessage, 60_000, 'the process-limit message').catch(async (err: Error) => {
      const hits = await ctx.server.berth.runtime.limitHits(ctx.session.id).catch(() => 'unknown');
      throw new Error(`${err.message}\nthe session's counters now: ${JSON.stringify(hits)}`);
    });
    // The learner's shell still starts commands while the bomb runs.
    assert.equal((await ctx.term.run('docker rm -f bomb', 60_000)).exit, 0);
    assert.match((await ctx.term.run('docker run --rm busybox echo engine-fine', 60_000)).output, /^engine-fine$/m);
  });

});

describe('a thousand nested containers attempted', () => {
  const ctx = useSessionTerminal();

  test('the containers stop at the session\'s process share, the learner is told, and the inner engine still answers', async () => {
    ctx.term.type('for i in $(seq 1000); do docker run -d busybox sleep 1d >/dev/null || break; done\r');
    const told = await ctx.term
      .waitForEvent((e) => e.type === 'error' && /process limit \(\d+ running, at most 512\)/.test(e.message), 300_000, 'the process-limit message')
      .catch(async (err: Error) => {
        const hits = await ctx.server.berth.runtime.limitHits(ctx.session.id).catch(() => 'unknown');
        throw new Error(`${err.message}\nthe session's counters now: ${JSON.stringify(hits)}`);
      });
    assert.match((told as { message: string }).message, /docker rm -f/);
    // Each container brings a shim of several threads. Docker runtime: they are the visitor's processes, the
    // shell's share fills long before a thousand, and bash ("fork: retry: …") or the docker client
    // ("pthread_create failed: …") says it cannot start more. Lxd runtime: they are the sandbox's root's, whose
    // share (the nested containers') fills first, and runc says it cannot start the next container: as an error
    // of its own, or (its Go runtime refused a thread by the same limit) by aborting, exit status 134 (run 67).
    await ctx.term.waitForText(ctx.server.config.runtime === 'docker' ? /Resource temporarily unavailable/ : /runc create failed: unable to start container process|runc did not terminate successfully: exit status 134/, 120_000);
    // The shell can no longer start programs, so ask the engine from outside, as the watcher would.
    const engine = await ctx.server.berth.runtime.exec(ctx.session.id, ['docker', 'ps', '-q'], { timeoutMs: 60_000 });
    assert.equal(engine.exitCode, 0, engine.output);
    const running = engine.output.trim().split('\n').filter(Boolean).length;
    assert.ok(running > 5 && running < 1000, `${running} containers running`);
  });
});
