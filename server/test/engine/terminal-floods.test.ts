// Strangers on one host (issue 11, items 5, 7, 8): one visitor floods the server through their terminal
// (shell-integration marks, input, a lesson check's output, resize frames, "I am at the page" frames). Meanwhile another session's
// terminal still echoes, the server answers /api/health, and the flooding visitor is told what happened.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { input, present, resize, type ServerEvent } from '@berth/shared';
import Docker from 'dockerode';
import type { ShellStream } from '../../src/runtime/runtime.js';
import { createSession, eventually, startTestServer, TerminalClient, type CreatedSession, type TestServer } from '../helpers.js';

/** A lesson whose check takes a moment, as checks that ask the session's Docker engine do. */
function fixtureLessons(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-floods-'));
  const lesson = path.join(dir, '01-fixture');
  for (const lang of ['en', 'zh']) fs.mkdirSync(path.join(lesson, lang), { recursive: true });
  fs.writeFileSync(
    path.join(lesson, 'lesson.yaml'),
    `title: {en: Fixture, zh: 练习}
level: beginner
minutes: 2
steps:
  - id: make-file
    goals:
      - check: sleep 2; test -f ~/made
        timeout: 5
    solution: [touch ~/made]
`,
  );
  fs.writeFileSync(path.join(lesson, 'en', 'make-file.md'), '# Make a file\n\nText.\n\n## Hint\n\nA hint.\n');
  fs.writeFileSync(path.join(lesson, 'zh', 'make-file.md'), '# 建文件\n\n正文。\n\n## 提示\n\n提示。\n');
  return dir;
}

describe('one visitor floods the server through their terminal', () => {
  const lessonsDir = fixtureLessons();
  let server: TestServer;
  let victim: TerminalClient;
  /** Engine resize calls per session, counted on the real runtime's shells. */
  const resizeCalls = new Map<string, number>();

  before(async () => {
    server = await startTestServer({ BERTH_LESSONS: lessonsDir });
    const runtime = server.berth.runtime;
    const openShell = runtime.openShell.bind(runtime);
    runtime.openShell = async (id, size, env): Promise<ShellStream> => {
      const shell = await openShell(id, size, env);
      return {
        ...shell,
        resize: (cols, rows) => {
          resizeCalls.set(id, (resizeCalls.get(id) ?? 0) + 1);
          return shell.resize(cols, rows);
        },
      };
    };
    victim = await TerminalClient.connect(server, await createSession(server));
    await victim.ready(60_000);
  });
  after(async () => {
    await victim?.close();
    await server?.close();
    fs.rmSync(lessonsDir, { recursive: true, force: true });
  });

  /** The other session's terminal echoes a command's output, and the server answers its health check. */
  async function othersUnaffected(): Promise<void> {
    const tag = `alive-${Math.random().toString(36).slice(2, 8)}`;
    assert.match((await victim.run(`echo ${tag}`, 20_000)).output, new RegExp(`^${tag}$`, 'm'));
    // The server answers with its report. (Whether the host's other parts are up is not this visitor's doing:
    // other tests on this host may stop them, so a 503 naming one is an answer too.)
    const health = await fetch(`${server.url}/api/health`, { signal: AbortSignal.timeout(20_000) });
    const report = (await health.json()) as { ok: boolean; down: string[] };
    assert.ok(health.status === 200 || (health.status === 503 && report.down.length > 0), `${health.status} ${JSON.stringify(report)}`);
  }

  /** A fresh attacker session for one attack, ended after it whatever happens. */
  async function withAttacker(attack: (term: TerminalClient, s: CreatedSession) => Promise<void>): Promise<void> {
    const s = await createSession(server);
    const term = await TerminalClient.connect(server, s);
    try {
      await term.ready(60_000);
      await attack(term, s);
    } finally {
      await term.close();
      await server.berth.sessions.end(s.id, 'ended-by-user');
    }
  }

  const toldError = (term: TerminalClient, pattern: RegExp, timeoutMs: number, what: string) =>
    term.waitForEvent((e) => e.type === 'error' && pattern.test(e.message), timeoutMs, what) as Promise<Extract<ServerEvent, { type: 'error' }>>;

  test('a flood of forged command marks (with the shell\'s own nonce): command events are bounded and the visitor is told', async () => {
    await withAttacker(async (attacker) => {
      attacker.keepOutput = false;
      attacker.type(`m=$(printf '\\e]633;E;docker run x;%s\\a\\e]133;C\\a\\e]133;D;0;%s\\a' "$__berth_nonce" "$__berth_nonce"); yes "$m"\r`);
      const commands = () => attacker.events.filter((e) => e.type === 'command').length;
      await toldError(attacker, /more than 10 commands a second/, 20_000, 'the command-flood message');
      const counted = commands();
      const t0 = Date.now();
      await othersUnaffected();
      await sleep(Math.max(0, 3000 - (Date.now() - t0)));
      const perSecond = (commands() - counted) / ((Date.now() - t0) / 1000);
      // 10 a second are let through; the flood prints hundreds of thousands.
      assert.ok(perSecond <= 12, `${perSecond.toFixed(1)} command events a second during the flood`);
    });
  });

  test('a flood of unterminated mark starts (yes ESC]133;) does not stall the server: it reaches the screen as text', async () => {
    await withAttacker(async (attacker) => {
      attacker.keepOutput = false;
      attacker.type("yes $'\\e]133;'\r");
      await attacker.waitFor(() => attacker.rawLength > 4 * 1024 * 1024 || undefined, 30_000, '4 MB of the flood on screen');
      await othersUnaffected();
    });
  });

  test('an input flood (30 MB sent at once): taken at most 1 MiB a second, the rest dropped and the visitor told, and Restart shell gives them a working shell', async () => {
    await withAttacker(async (attacker) => {
      await attacker.run('stty -echo');
      attacker.type('sleep 600\r');
      await sleep(500);
      const frame = input('x'.repeat(60_000));
      for (let i = 0; i < 500; i++) attacker.ws.send(frame);
      await toldError(attacker, /more than 1 MiB a second/, 30_000, 'the input-too-fast message');
      await othersUnaffected();
      const screen = attacker.text.length;
      attacker.restartShell();
      await attacker.waitFor(() => /here is a new one[^]*\$ $/.test(attacker.text.slice(screen)), 30_000, 'the new shell\'s prompt');
      assert.match((await attacker.run('echo recovered')).output, /^recovered$/m);
    });
  });

  test('input into a shell that does not read (raw mode, the kernel keeps it): at most 1 MiB waits, the rest dropped and the visitor told', async () => {
    await withAttacker(async (attacker) => {
      // The flood goes once the terminal is in raw mode: in line mode the kernel throws away a line past 4 KiB
      // itself, and nothing would wait in Berth to be dropped.
      attacker.type('stty raw -echo; echo raw-$((6*7)); sleep 600\r');
      await attacker.waitFor(() => /raw-42/.test(attacker.text), 30_000, 'the terminal in raw mode');
      const frame = input('x'.repeat(60_000));
      for (let i = 0; i < 25; i++) attacker.ws.send(frame); // 1.5 MB: within what the input rate takes at once
      await toldError(attacker, /not reading what you type/, 30_000, 'the input-dropped message');
      await othersUnaffected();
    });
  });

  /** Puts the attacker on the fixture lesson's step, whose check runs after every command. */
  async function onFixtureStep(s: CreatedSession): Promise<void> {
    const put = await fetch(`${server.url}/api/sessions/${s.id}/lesson`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
      body: JSON.stringify({ lesson: 'fixture', step: 'make-file' }),
    });
    assert.equal(put.status, 200);
  }

  test('a lesson check\'s output flooded by a process of the visitor\'s uid beside it: the check is cut at 64 KiB, not met, and the visitor is told', async () => {
    await withAttacker(async (attacker, s) => {
      await onFixtureStep(s);
      // The check runs as the visitor's uid: a process of that uid in the check's namespaces can write into its
      // stdout through /proc. The learner's shell now runs in the engine's namespaces, so the flooder is started
      // beside the check the way such a process would run there (an exec as the visitor), not from the shell.
      const flooder = await server.berth.runtime.exec(s.id, [
        'sh',
        '-c',
        "setsid sh -c 'while :; do for p in $(pgrep -f \"sleep [2]; test -f\"); do [ -e /tmp/s$p ] || { : > /tmp/s$p; cat /dev/zero > /proc/$p/fd/1 & }; done; sleep 0.1; done' >/dev/null 2>&1 </dev/null &",
      ]);
      assert.equal(flooder.exitCode, 0, flooder.output);
      attacker.type('touch ~/made\r');
      await sleep(500);
      attacker.type('true\r'); // a command: the step's check runs
      const told = await toldError(attacker, /A lesson check was stopped/, 30_000, 'the check-stopped message');
      assert.match(told.message, /passed 64 KiB/);
      await othersUnaffected();
      assert.ok(!attacker.events.some((e) => e.type === 'step' && e.done), 'a cut check never ticks the step');
    });
  });

  test('a lesson check the visitor stops (SIGSTOP), through the terminal server: ended with all it started at its time limit, not met', async () => {
    await withAttacker(async (attacker, s) => {
      await onFixtureStep(s);
      attacker.type("touch ~/made; (while :; do pkill -STOP -f '^bash -c sleep 2'; sleep 0.1; done) >/dev/null 2>&1 &\r");
      await sleep(500);
      attacker.type('true\r');
      const checks = async () => (await server.berth.runtime.exec(s.id, ['sh', '-c', "pgrep -f '^bash -c sleep 2' || true"])).output.trim();
      await eventually(async () => assert.notEqual(await checks(), ''), 10_000);
      await othersUnaffected();
      // The host's clock, which the visitor cannot stop, ends it: berth-term kills the check's whole session.
      await eventually(async () => assert.equal(await checks(), ''), 30_000);
      assert.ok(!attacker.events.some((e) => e.type === 'step' && e.done), 'a stopped check never ticks the step');
    });
  });

  test('a lesson check by exec (the visitor killed berth-term) whose output is held open (its timeout process stopped): the host cuts it past the time limit, not met, the visitor is told', async () => {
    await withAttacker(async (attacker, s) => {
      await onFixtureStep(s);
      const screen = attacker.text.length;
      attacker.type('pkill -x berth-term\r');
      await attacker.waitFor(() => /here is a new one[^]*\$ $/.test(attacker.text.slice(screen)), 30_000, 'the new shell\'s prompt');
      attacker.type(
        "touch ~/made; (while :; do pkill -STOP -f '^timeout -s KILL 5 bash -c sleep 2'; sleep 0.1; done) >/dev/null 2>&1 &\r",
      );
      await sleep(500);
      attacker.type('true\r');
      await othersUnaffected();
      const told = await toldError(attacker, /A lesson check was stopped/, 40_000, 'the check-stopped message');
      assert.match(told.message, /time limit/);
      assert.ok(!attacker.events.some((e) => e.type === 'step' && e.done), 'a cut check never ticks the step');
    });
  });

  test('a flood of "present" frames on a napping sandbox: the engine thaws it once, not once a frame', async () => {
    await withAttacker(async (attacker, s) => {
      const naps = server.berth.naps;
      const napAfter = naps.options.napAfterMs;
      naps.options.napAfterMs = 1000;
      try {
        await eventually(async () => {
          await naps.scan();
          assert.ok(naps.isNapping(s.id), 'the attacker\'s sandbox naps');
        }, 60_000);
      } finally {
        naps.options.napAfterMs = napAfter;
      }
      const since = Math.floor(Date.now() / 1000) - 1;
      for (let i = 0; i < 5000; i++) attacker.ws.send(present());
      await othersUnaffected();
      assert.match((await attacker.run('echo thawed')).output, /^thawed$/m);
      const docker = new Docker({ socketPath: server.config.engineSocket });
      const events = await docker.getEvents({ since, until: Math.ceil(Date.now() / 1000) + 1, filters: { event: ['unpause'], container: [`berth-${server.config.instance}-${s.id}`] } });
      let text = '';
      for await (const chunk of events as AsyncIterable<Buffer>) text += chunk.toString();
      assert.equal(text.trim().split('\n').filter(Boolean).length, 1, `the engine's unpause events: ${text}`);
    });
  });

  test('a resize flood: a handful of Engine API calls, not one per frame, and the shell gets the last size', async () => {
    await withAttacker(async (attacker, s) => {
      const before = resizeCalls.get(s.id) ?? 0;
      for (let i = 0; i < 5000; i++) attacker.ws.send(resize(80 + (i % 100), 20 + (i % 30)));
      attacker.ws.send(resize(123, 45));
      await othersUnaffected();
      assert.match((await attacker.run('stty size')).output, /^45 123$/m);
      const calls = (resizeCalls.get(s.id) ?? 0) - before;
      assert.ok(calls >= 1 && calls <= 10, `${calls} resize calls for 5001 frames`);
    });
  });
});
