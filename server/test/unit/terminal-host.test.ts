// A terminal host against a shell that does what a hostile visitor's shell does (issue 11, items 5, 7, 8).
// The shell is a fake behind the runtime's interface; server/test/engine/terminal-floods.test.ts does the
// same against real sandboxes.
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SandboxRuntime, ShellStream } from '../../src/runtime/runtime.js';
import { AFTER_INTERRUPT_WAIT_MS, interruptedAt, PromptGate } from '../../src/terminal/prompt-gate.js';
import { ObserverChain } from '../../src/terminal/observer-chain.js';
import { ShellIntegrationParser, type CommandEvent } from '../../src/terminal/shell-integration.js';
import { INPUT_BURST_BYTES, TerminalHost, type TerminalSink } from '../../src/terminal/terminal-host.js';

/** The mark readline prints at the end of the prompt of a bash with Berth's hooks (native/bash/berth.sh). */
const FIRST_PROMPT = '\x1b]133;B\x07';

/** Attaches and waits for the shell's first prompt, as a visitor sees the prompt before typing. */
async function attachAtPrompt(host: TerminalHost, sink: TerminalSink): Promise<void> {
  await host.attach(sink, { cols: 80, rows: 24 });
  await sleep(1);
}

class FakeShell {
  nonce = '';
  resizes: { cols: number; rows: number }[] = [];
  /** A shell that does not read its input (a `sleep`): writes are never acknowledged. */
  reading = true;
  /** What reached the shell, with how many resize calls were made before it. */
  typed: { data: string; resizes: number }[] = [];
  readonly stream: Duplex;
  /** `prompts`: prints its first prompt's mark once opened, as bash with Berth's hooks does. */
  constructor(private readonly prompts = true) {
    this.stream = new Duplex({
      read() {},
      write: (chunk: Buffer, _enc, done) => {
        this.typed.push({ data: chunk.toString(), resizes: this.resizes.length });
        if (this.reading) done();
      },
    });
  }
  /** What the runtime hands out. */
  shell(): ShellStream {
    if (this.prompts) setImmediate(() => this.stream.push(Buffer.from(FIRST_PROMPT)));
    return {
      stream: this.stream,
      resize: async (cols, rows) => {
        this.resizes.push({ cols, rows });
        await sleep(5); // an Engine API call takes a moment
      },
      kill: async () => void this.stream.destroy(),
    };
  }
  /** Prints `text` in chunks the way the engine delivers them, letting the host read between them. */
  async print(text: string, chunkBytes = 4096): Promise<void> {
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += chunkBytes) {
      this.stream.push(bytes.subarray(i, i + chunkBytes));
      await new Promise((r) => setImmediate(r));
    }
  }
}

function setUp() {
  const fake = new FakeShell();
  const runtime = {
    openShell: async (_id: string, _size: unknown, env: string[] = []) => {
      fake.nonce = env.find((e) => e.startsWith('BERTH_SHELL_NONCE='))!.split('=')[1]!;
      return fake.shell();
    },
    ping: async () => true,
    isRunning: async () => true,
  } as unknown as SandboxRuntime;
  const seen = { commands: [] as CommandEvent[], lessonCommands: [] as CommandEvent[], warnings: [] as string[], logged: [] as string[], output: 0 };
  const log = { info: () => {}, warn: (_o: object, msg?: string) => void seen.logged.push(msg ?? ''), error: () => {} };
  const host = new TerminalHost('s1', runtime, (e) => seen.lessonCommands.push(e), log, () => {});
  const sink: TerminalSink = {
    output: (bytes, written) => {
      seen.output += bytes.length;
      written();
    },
    command: (e, written) => {
      seen.commands.push(e);
      written?.();
    },
    notice: () => {},
    warn: (message) => void seen.warnings.push(message),
    gone: () => {},
    control: () => {},
  };
  return { fake, host, sink, seen };
}

test('a flood of marks that print nothing on screen is charged to the output rate: reading stops', async (t) => {
  // The clock stands still: what is read is one window's budget, however slow this host is today.
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const { fake, host, sink, seen } = setUp();
  await attachAtPrompt(host, sink);
  // 1.6 MB of prompt marks at once: nothing reaches the screen, yet it is 8 times a 100 ms window's budget
  // at 2 MiB/s. The host reads one window's worth and leaves the rest waiting in the stream.
  const marks = Buffer.from('\x1b]133;A\x07\x1b]133;B\x07'.repeat(100_000));
  for (let i = 0; i < marks.length; i += 4096) fake.stream.push(marks.subarray(i, i + 4096));
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  assert.equal(seen.output, 0);
  assert.ok(fake.stream.readableLength > marks.length / 2, `${marks.length - fake.stream.readableLength} of ${marks.length} bytes read in one window`);
  host.dispose();
});

test('forged command marks with the shell\'s own nonce: a bounded number of command events, the visitor and the log told once', async () => {
  const { fake, host, sink, seen } = setUp();
  await attachAtPrompt(host, sink);
  const n = fake.nonce;
  await fake.print(`\x1b]633;E;docker run x;${n}\x07\x1b]133;C\x07\x1b]133;D;0;${n}\x07`.repeat(2000));
  assert.ok(seen.commands.length >= 50 && seen.commands.length <= 60, `${seen.commands.length} command events`);
  assert.equal(seen.lessonCommands.length, seen.commands.length, 'lesson checks see what the socket sees');
  assert.equal(seen.warnings.length, 1);
  assert.match(seen.warnings[0]!, /more than 10 commands a second/);
  assert.equal(seen.logged.filter((m) => /commands a second/.test(m)).length, 1);
  host.dispose();
});

test('an input flood into a shell that does not read: what waits stays bounded and the visitor is told once', async () => {
  const { fake, host, sink, seen } = setUp();
  await attachAtPrompt(host, sink);
  fake.reading = false;
  const frame = 'x'.repeat(64 * 1024);
  for (let i = 0; i < 24; i++) host.write(frame); // 1.5 MiB, within what the input rate takes at once
  assert.ok(fake.stream.writableLength <= 1024 * 1024, `${fake.stream.writableLength} bytes queued`);
  assert.equal(seen.warnings.length, 1);
  assert.match(seen.warnings[0]!, /not reading what you type/);
  host.dispose();
});

test('input sent faster than the input rate, into a shell that reads it: past the burst it is dropped, the visitor told once', async () => {
  const { fake, host, sink, seen } = setUp();
  await attachAtPrompt(host, sink);
  const frame = 'x'.repeat(64 * 1024);
  let taken = 0;
  for (let i = 0; i < 200; i++) if (host.write(frame)) taken++; // 12.5 MiB at once
  const reached = fake.typed.reduce((n, t) => n + t.data.length, 0);
  assert.ok(reached <= INPUT_BURST_BYTES + 64 * 1024 && reached >= INPUT_BURST_BYTES - 64 * 1024, `${reached} bytes reached the shell`);
  assert.equal(taken * frame.length, reached);
  assert.equal(seen.warnings.length, 1);
  assert.match(seen.warnings[0]!, /more than 1 MiB a second/);
  host.dispose();
});

test('a resize flood makes one or two engine calls, not one per frame, and the last size wins', async () => {
  const { fake, host, sink } = setUp();
  await attachAtPrompt(host, sink);
  const before = fake.resizes.length;
  for (let i = 0; i < 1000; i++) host.resize(100 + (i % 50), 30 + (i % 20));
  host.resize(133, 44);
  await sleep(400);
  const calls = fake.resizes.slice(before);
  assert.ok(calls.length >= 1 && calls.length <= 2, `${calls.length} resize calls`);
  assert.deepEqual(calls.at(-1), { cols: 133, rows: 44 });
  host.dispose();
});

test('keys typed right after a resize reach the shell after the resize call, in the order typed, however many frames', async () => {
  const { fake, host, sink } = setUp();
  await attachAtPrompt(host, sink);
  host.write('echo before\r');
  const before = fake.resizes.length;
  host.resize(120, 40);
  const line = 'stty size\r';
  for (const key of line) host.write(key);
  await sleep(50); // well inside the 75 ms a resize alone waits: the typing asked for it at once
  assert.deepEqual(fake.resizes.slice(before), [{ cols: 120, rows: 40 }]);
  const after = fake.typed.filter((t) => t.resizes > before);
  assert.equal(after.map((t) => t.data).join(''), line);
  assert.equal(after.length, 1, 'the held keys went to the shell in one write');
  assert.equal(fake.typed.filter((t) => t.resizes === before).map((t) => t.data).join(''), 'echo before\r');
  host.dispose();
});

test('an input flood while a resize waits: what is held stays bounded, reaches the shell in one piece, and the visitor is told once', async () => {
  const { fake, host, sink, seen } = setUp();
  await attachAtPrompt(host, sink);
  const before = fake.typed.length;
  host.resize(120, 40);
  for (let i = 0; i < 200_000; i++) host.write('x'); // a byte a frame
  const frame = 'y'.repeat(64 * 1024);
  for (let i = 0; i < 16; i++) host.write(frame); // 1 MiB more: past what is held, within what the input rate takes at once
  await sleep(50);
  const reached = fake.typed.slice(before);
  const bytes = reached.reduce((n, t) => n + t.data.length, 0);
  assert.ok(bytes <= 1024 * 1024, `${bytes} bytes held and passed on`);
  assert.ok(reached.length <= 2, `${reached.length} writes for what was held`);
  assert.equal(seen.warnings.length, 1, seen.warnings.join(' | '));
  assert.match(seen.warnings[0]!, /not reading what you type/);
  host.dispose();
});

test('a command\'s output and its end mark in one chunk: the page and the recording get the output first, then the command', async () => {
  const { fake, host, seen } = setUp();
  const order: string[] = [];
  const sink: TerminalSink = {
    output: (bytes, written) => {
      order.push(`page output ${bytes.toString().trim()}`);
      written();
    },
    command: (e, written) => {
      order.push(`page command ${e.line}`);
      written?.();
    },
    notice: () => {},
    warn: () => {},
    gone: () => {},
    control: () => {},
  };
  await attachAtPrompt(host, sink);
  host.record({
    output: (bytes) => void order.push(`recorded output ${bytes.toString().trim()}`),
    input: () => {},
    resize: () => {},
    marker: (label) => void order.push(`recorded marker ${label}`),
  });
  const n = fake.nonce;
  // What a fast terminal path delivers at once: the command's output, its end mark, then the next prompt.
  await fake.print(`\x1b]633;E;echo hi;${n}\x07\x1b]133;C\x07hi\r\n\x1b]133;D;0;${n}\x07`);
  assert.deepEqual(order.filter((e) => e.startsWith('page')), ['page output hi', 'page command echo hi']);
  assert.deepEqual(order.filter((e) => e.startsWith('recorded')), ['recorded output hi', 'recorded marker command `echo hi` exit 0']);
  assert.equal(seen.lessonCommands.length, 1);
  host.dispose();
});

test('keys typed while the shell is still opening (a reconnect after a server restart) reach it once it is open, in order', async () => {
  const { fake, host, sink } = setUp();
  const runtime = (host as unknown as { runtime: SandboxRuntime }).runtime;
  const openShell = runtime.openShell.bind(runtime);
  runtime.openShell = async (...args) => {
    await sleep(50); // connecting to the terminal server, bash starting
    return openShell(...args);
  };
  const attached = host.attach(sink, { cols: 80, rows: 24 });
  await sleep(10);
  assert.equal(host.write('cat ~/note'), true);
  assert.equal(host.write(' | tr a-z A-Z\r'), true);
  assert.equal(fake.typed.length, 0, 'nothing can reach a shell that is not there yet');
  await attached;
  await sleep(20);
  assert.equal(fake.typed.map((t) => t.data).join(''), 'cat ~/note | tr a-z A-Z\r');
  host.dispose();
});

test('keys typed during Restart shell (the old shell being ended, the new one opening) reach the new shell, in order', async () => {
  const { fake, host, sink } = setUp();
  await attachAtPrompt(host, sink);
  const runtime = (host as unknown as { runtime: SandboxRuntime }).runtime;
  const next = new FakeShell();
  runtime.openShell = async (_id: string, _size: unknown, env: string[] = []) => {
    await sleep(40); // connecting to the terminal server, bash starting
    next.nonce = env.find((e) => e.startsWith('BERTH_SHELL_NONCE='))!.split('=')[1]!;
    return next.shell();
  };
  const oldKill = fake.shell().kill;
  (host as unknown as { shell: ShellStream }).shell.kill = async () => {
    await sleep(40); // ending every process of the old shell takes a moment
    await oldKill();
  };
  const restarted = host.restart();
  await sleep(10);
  assert.equal(host.write('echo one'), true, 'typed while the old shell is being ended');
  await sleep(50);
  assert.equal(host.write('; echo two\r'), true, 'typed while the new shell opens');
  await restarted;
  await sleep(20);
  assert.equal(next.typed.map((t) => t.data).join(''), 'echo one; echo two\r');
  assert.equal(fake.typed.map((t) => t.data).join(''), '', 'nothing reached the shell that was ended');
  host.dispose();
});

/** A host whose next shell is still starting (no prompt yet): what a login shell is before its first prompt. */
function withStartingShell() {
  const { host, sink } = setUp();
  const runtime = (host as unknown as { runtime: SandboxRuntime }).runtime;
  const starting = new FakeShell(false);
  runtime.openShell = async (_id: string, _size: unknown, env: string[] = []) => {
    starting.nonce = env.find((e) => e.startsWith('BERTH_SHELL_NONCE='))!.split('=')[1]!;
    return starting.shell();
  };
  return { host, sink, starting };
}

test('keys typed after the shell opened but before its first prompt (a login shell starting) wait for that prompt; what came before a Ctrl-C among them is thrown away, as a terminal would, and what follows goes at the prompt', async () => {
  const { host, sink, starting } = withStartingShell();
  const typed = () => starting.typed.map((t) => t.data).join('');
  await host.attach(sink, { cols: 80, rows: 24 });
  assert.equal(host.write('sleep 300\r'), true);
  assert.equal(host.write('\x03'), true, 'the key bar\'s Ctrl-C');
  assert.equal(host.write('echo after\r'), true);
  await starting.print('Welcome to Berth\r\n'); // the login scripts print; the prompt is not there yet
  await sleep(20);
  assert.equal(typed(), '', 'nothing reaches a shell before its prompt');
  await starting.print(`${FIRST_PROMPT}user@berth:~$ `);
  await sleep(20);
  assert.equal(typed(), 'echo after\r', 'the shell had read none of it: the line and the Ctrl-C that ended it are gone');
  assert.equal(starting.typed.length, 1);
  assert.equal(host.write('x'), true);
  assert.equal(starting.typed.at(-1)?.data, 'x', 'at the prompt, keys go straight to the shell');
  host.dispose();
});

test('keys held while a command runs (a resize being applied) go up to their last Ctrl-C in one write; what follows waits for the prompt it brings', async () => {
  const { host, sink, fake } = setUp();
  const typed = () => fake.typed.map((t) => t.data).join('');
  await attachAtPrompt(host, sink);
  await fake.print(`sleep 300\r\n\x1b]633;E;sleep 300;${fake.nonce}\x07\x1b]133;C\x07`);
  host.resize(100, 30);
  assert.equal(host.write('q\x03ls\r'), true);
  await sleep(30);
  assert.equal(typed(), 'q\x03', 'the running program gets the keys and the signal together, as from a terminal');
  await fake.print(`^C\r\n\x1b]133;D;130;${fake.nonce}\x07\x1b]133;A\x07${FIRST_PROMPT}$ `);
  await sleep(20);
  assert.equal(typed(), 'q\x03ls\r', 'the line after the Ctrl-C, at the prompt it brought');
  host.dispose();
});

test('keys held while a command runs whose Ctrl-C brings no prompt (a program that takes the key) go on after the wait', async () => {
  const { host, sink, fake } = setUp();
  const typed = () => fake.typed.map((t) => t.data).join('');
  await attachAtPrompt(host, sink);
  await fake.print(`vi\r\n\x1b]633;E;vi;${fake.nonce}\x07\x1b]133;C\x07`);
  host.resize(100, 30);
  assert.equal(host.write('\x03:q\r'), true);
  await sleep(30);
  assert.equal(typed(), '\x03');
  await sleep(AFTER_INTERRUPT_WAIT_MS + 100);
  assert.equal(typed(), '\x03:q\r');
  host.dispose();
});

test('typed-ahead keys divide after their last interrupt key, only where more comes after it', () => {
  assert.equal(interruptedAt('sleep 1\r\x03echo hi\r'), 9);
  assert.equal(interruptedAt('a\x03b\x1ac'), 4);
  assert.equal(interruptedAt('sleep 1\r\x03'), -1);
  assert.equal(interruptedAt('\x1aecho'), 1);
  assert.equal(interruptedAt('\x1cx'), 1);
  assert.equal(interruptedAt('plain\r'), -1);
});

test('a paste of a megabyte of Ctrl-C and letters ahead of the first prompt goes to the shell in one write, not one per prompt', async () => {
  const { host, sink, starting } = withStartingShell();
  await host.attach(sink, { cols: 80, rows: 24 });
  const paste = '\x03x'.repeat(400_000);
  assert.equal(host.write(paste), true);
  await starting.print(FIRST_PROMPT);
  await sleep(20);
  assert.equal(starting.typed.length, 1, `${starting.typed.length} writes`);
  assert.equal(starting.typed[0]!.data.length, paste.length);
  assert.equal(interruptedAt('\x03x'.repeat(3000)), -1, 'held past TYPED_AHEAD_BYTES: not divided');
  host.dispose();
});

test('a shell that never marks its prompt gets what was typed once the wait for it is over; its prompt mark opens the gate', async () => {
  const first = new PromptGate(30);
  const waited = Date.now();
  await Promise.race([first.waiting, sleep(1000)]); // its own timer does not keep a process alive
  assert.ok(Date.now() - waited >= 25 && Date.now() - waited < 1000, `${Date.now() - waited} ms`);
  assert.equal(first.waiting, undefined);
  const marked = new PromptGate(60_000);
  const parser = new ShellIntegrationParser('n', () => {}, undefined, undefined, new ObserverChain([marked]));
  assert.equal(parser.push(Buffer.from('motd\r\n\x1b]133;B\x07$ ')).toString(), 'motd\r\n$ ', 'the mark is not shown');
  assert.equal(marked.waiting, undefined, 'the prompt mark ends the wait');
});
