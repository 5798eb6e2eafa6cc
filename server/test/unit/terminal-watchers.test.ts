// A terminal seen from two tabs of one browser: one has it, the other watches read-only and gets it when
// the first goes; and the command history the end screen offers. The shell is a fake behind the runtime's
// interface; server/test/engine/find-again.test.ts does the same against real sandboxes.
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { test } from 'node:test';
import type { SandboxRuntime, ShellStream } from '../../src/runtime/runtime.js';
import { CommandHistory, HISTORY_MAX_COMMANDS } from '../../src/terminal/command-history.js';
import { TerminalHost, type TerminalSink } from '../../src/terminal/terminal-host.js';
import { TerminalHosts } from '../../src/terminal/terminal-hosts.js';

function fakeRuntime() {
  const typed: string[] = [];
  const streams: Duplex[] = [];
  const runtime = {
    openShell: async (): Promise<ShellStream> => {
      const stream = new Duplex({
        read() {},
        write: (chunk, _enc, done) => {
          typed.push(String(chunk));
          done();
        },
      });
      streams.push(stream);
      return { stream, resize: async () => {}, kill: async () => void stream.destroy() };
    },
    ping: async () => true,
    isRunning: async () => true,
  } as unknown as SandboxRuntime;
  return { runtime, typed, streams };
}

function recordingSink() {
  const seen = { output: '', control: [] as boolean[], gone: [] as { message: string; replaced?: boolean }[] };
  const sink: TerminalSink = {
    output: (bytes, written) => {
      seen.output += bytes.toString();
      written();
    },
    command: (_e, written) => written(),
    notice: (m) => void (seen.output += m),
    warn: () => {},
    gone: (message, replaced) => void seen.gone.push({ message, replaced }),
    control: (c) => void seen.control.push(c),
  };
  return { sink, seen };
}

const log = { info: () => {}, warn: () => {}, error: () => {} };

test('a second tab that asks to watch sees the output read-only; the first keeps the terminal', async () => {
  const { runtime, streams } = fakeRuntime();
  const host = new TerminalHost('s1', runtime, () => {}, log, () => {});
  const first = recordingSink();
  await host.attach(first.sink, { cols: 80, rows: 24 });
  streams[0]!.push(Buffer.from('before-the-second-tab\r\n'));
  await new Promise((r) => setImmediate(r));

  const second = recordingSink();
  await host.attach(second.sink, { cols: 100, rows: 30 }, true);
  assert.deepEqual(first.seen.control, [true]);
  assert.deepEqual(second.seen.control, [false]);
  assert.equal(first.seen.gone.length, 0, 'the first tab is not closed');
  assert.match(second.seen.output, /before-the-second-tab/, 'the watcher gets the scrollback');
  assert.equal(host.controls(first.sink), true);
  assert.equal(host.controls(second.sink), false);

  streams[0]!.push(Buffer.from('seen-by-both\r\n'));
  await new Promise((r) => setImmediate(r));
  assert.match(first.seen.output, /seen-by-both/);
  assert.match(second.seen.output, /seen-by-both/);
  await host.dispose();
});

test('taking over closes the tab that had the terminal as replaced; the tab that goes hands it to a watcher', async () => {
  const { runtime } = fakeRuntime();
  const host = new TerminalHost('s1', runtime, () => {}, log, () => {});
  const a = recordingSink();
  const b = recordingSink();
  await host.attach(a.sink, undefined);
  await host.attach(b.sink, undefined, true);
  // b takes it over (the page reconnects without watch).
  await host.attach(b.sink, undefined);
  assert.deepEqual(a.seen.gone, [{ message: 'the terminal was opened in another tab or window', replaced: true }]);
  assert.deepEqual(b.seen.control, [false, true]);

  // a (reconnected to watch) and then b closes: a has the terminal again, no grace timer ends the shell.
  host.detach(a.sink);
  const a2 = recordingSink();
  await host.attach(a2.sink, undefined, true);
  host.detach(b.sink);
  assert.deepEqual(a2.seen.control, [false, true]);
  assert.equal(host.controls(a2.sink), true);
  await host.dispose();
});

test('watch with nobody on the terminal takes it', async () => {
  const { runtime } = fakeRuntime();
  const host = new TerminalHost('s1', runtime, () => {}, log, () => {});
  const a = recordingSink();
  await host.attach(a.sink, undefined, true);
  assert.deepEqual(a.seen.control, [true]);
  assert.equal(host.controls(a.sink), true);
  await host.dispose();
});

test('closing an extra terminal ends its shell and closes its sockets with a reason; the set of open terminals is told', async () => {
  const { runtime, streams } = fakeRuntime();
  const told: number[][] = [];
  const hosts = new TerminalHosts(runtime, () => {}, log);
  hosts.onTerminals = (_id, open) => void told.push(open);
  const main = recordingSink();
  const extra = recordingSink();
  await hosts.get('s1', 0).attach(main.sink, undefined);
  await hosts.get('s1', 2).attach(extra.sink, undefined);
  assert.deepEqual(hosts.open('s1'), [0, 2]);
  hosts.close('s1', 2);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(extra.seen.gone, [{ message: 'this terminal was closed', replaced: undefined }]);
  assert.equal(streams[1]!.destroyed, true, 'its shell was ended');
  assert.equal(streams[0]!.destroyed, false, 'terminal 0 lives on');
  assert.deepEqual(hosts.open('s1'), [0]);
  assert.deepEqual(told.at(-1), [0]);
  assert.throws(() => hosts.get('s1', 4), /no terminal 4/);
  assert.throws(() => hosts.get('s1', -1), /no terminal -1/);
  await hosts.endAll();
});

test('the command history keeps every terminal\'s commands in order, and only the newest when a loop floods it', () => {
  const h = new CommandHistory();
  h.add('s1', 'docker run -d --name web nginx');
  h.add('s2', 'ls');
  h.add('s1', '  docker logs -f web ');
  h.add('s1', '');
  assert.equal(h.text('s1'), 'docker run -d --name web nginx\ndocker logs -f web\n');
  for (let i = 0; i < HISTORY_MAX_COMMANDS + 50; i++) h.add('s2', `echo ${i}`);
  const lines = h.text('s2').trimEnd().split('\n');
  assert.equal(lines.length, HISTORY_MAX_COMMANDS);
  assert.equal(lines.at(-1), `echo ${HISTORY_MAX_COMMANDS + 49}`);
  h.forget('s1');
  assert.equal(h.text('s1'), '');
});
