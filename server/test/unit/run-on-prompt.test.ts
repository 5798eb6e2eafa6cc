// Issue 13: a lesson's Run on a half-typed line runs only its command, and never types into a program
// running in the foreground (the shell's marks say one runs). The shell is a fake behind the runtime's
// interface that records what it was typed; server/test/engine/lesson-feedback.test.ts does it for real.
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { test } from 'node:test';
import { parseClientMessage } from '@berth/shared';
import type { SandboxRuntime } from '../../src/runtime/runtime.js';
import { needsTerminal, readsTypedLines } from '../../src/terminal/foreground.js';
import { TerminalHost, type TerminalSink } from '../../src/terminal/terminal-host.js';

async function setUp() {
  let nonce = '';
  let typed = '';
  const stream = new Duplex({
    read() {},
    write: (chunk: Buffer, _enc, done) => {
      typed += chunk.toString();
      done();
    },
  });
  const runtime = {
    openShell: async (_id: string, _size: unknown, env: string[] = []) => {
      nonce = env.find((e) => e.startsWith('BERTH_SHELL_NONCE='))!.split('=')[1]!;
      return { stream, resize: async () => {}, kill: async () => void stream.destroy() };
    },
    ping: async () => true,
    isRunning: async () => true,
  } as unknown as SandboxRuntime;
  const busy: string[] = [];
  const host = new TerminalHost('s1', runtime, () => {}, { info: () => {}, warn: () => {}, error: () => {} }, () => {});
  const sink: TerminalSink = { output: (_b, w) => w(), command: (_e, w) => w(), notice: () => {}, warn: () => {}, gone: () => {}, control: () => {}, busy: (c) => void busy.push(c) };
  await host.attach(sink, { cols: 80, rows: 24 });
  const print = async (text: string) => {
    stream.push(Buffer.from(text));
    await new Promise((r) => setImmediate(r));
  };
  await print('$ \x1b]133;B\x07'); // the shell's first prompt: typed keys wait for it
  const starts = (line: string) => print(`\x1b]633;E;${line};${nonce}\x07\x1b]133;C\x07`);
  const ends = (exit: number) => print(`\x1b]133;D;${exit};${nonce}\x07\x1b]133;A\x07`);
  return { host, busy, starts, ends, typed: () => typed };
}

test('Run on a half-typed line clears it first (Ctrl-E Ctrl-U), then types each line with Enter', async () => {
  const { host, typed } = await setUp();
  host.write('docker ima');
  host.run(['docker ps -a', 'docker images']);
  assert.equal(typed(), 'docker ima\x05\x15docker ps -a\rdocker images\r');
});

test('Run while a program runs in the foreground types nothing and says which program', async () => {
  const { host, busy, starts, ends, typed } = await setUp();
  await starts('sleep 100');
  host.run(['docker ps -a']);
  assert.equal(typed(), '');
  assert.deepEqual(busy, ['sleep 100']);
  await ends(130);
  host.run(['docker ps -a']);
  assert.equal(typed(), '\x05\x15docker ps -a\r', 'at the prompt again, it types');
});

test('Run into a shell in a container (docker run -it … bash) types, as the lesson means it to', async () => {
  const { host, busy, starts, typed } = await setUp();
  await starts('docker run -it debian bash');
  host.run(['hostname']);
  assert.equal(typed(), '\x05\x15hostname\r');
  assert.deepEqual(busy, []);
});

test('which running commands read typed lines', () => {
  for (const c of ['docker run -it debian bash', 'docker exec -it box sh', 'docker attach box', 'docker start -ai box', 'redis-cli', 'bash', 'sudo -i']) assert.ok(readsTypedLines(c), c);
  for (const c of ['sleep 100', 'docker run -dit --name box debian bash', 'docker logs -f web', 'ping 8.8.8.8', 'docker run debian sleep 9']) assert.ok(!readsTypedLines(c), c);
  assert.ok(needsTerminal('docker container run --rm -ti debian'));
  assert.ok(!needsTerminal('docker exec box sh -c "apt-get update"'));
});

test('the run message: lines of text without line breaks, at most 100', () => {
  assert.deepEqual(parseClientMessage('{"type":"run","lines":["docker ps"]}'), { ok: true, message: { type: 'run', lines: ['docker ps'] } });
  for (const bad of ['{"type":"run"}', '{"type":"run","lines":[]}', '{"type":"run","lines":["a\\rrm -rf ~"]}', '{"type":"run","lines":[1]}', JSON.stringify({ type: 'run', lines: Array(101).fill('x') })]) {
    const r = parseClientMessage(bad);
    assert.equal(r.ok, false, bad);
  }
});
