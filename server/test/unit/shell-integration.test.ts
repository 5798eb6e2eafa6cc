import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeValue, ShellIntegrationParser, type CommandEvent } from '../../src/terminal/shell-integration.js';

const NONCE = 'n0nce';
const E = (line: string, nonce = NONCE) => `\x1b]633;E;${escapeValue(line)};${nonce}\x07`;
const C = '\x1b]133;C\x07';
const D = (exit: number, nonce = NONCE) => `\x1b]133;D;${exit};${nonce}\x07`;
const PROMPT = '\x1b]133;A\x07user@berth:~$ \x1b]133;B\x07';

function feed(chunks: (string | Buffer)[]) {
  const events: CommandEvent[] = [];
  const p = new ShellIntegrationParser(NONCE, (e) => events.push(e), () => 42);
  const out = Buffer.concat(chunks.map((c) => p.push(Buffer.isBuffer(c) ? c : Buffer.from(c)))).toString('utf8');
  return { events, out };
}

test('a command with its exit status, and the marks removed from the output', () => {
  const { events, out } = feed([PROMPT, 'docker ps\r\n', E('docker ps') + C, 'CONTAINER ID\r\n', D(0) + PROMPT]);
  assert.deepEqual(events, [{ line: 'docker ps', exit: 0, at: 42 }]);
  assert.equal(out, 'user@berth:~$ docker ps\r\nCONTAINER ID\r\nuser@berth:~$ ');
});

test('marks split across chunks at every possible byte', () => {
  const stream = Buffer.from(PROMPT + E('docker run -d -p 8080:80 nginx') + C + 'abc\r\n' + D(125) + PROMPT + E('ls') + C + D(0));
  for (let cut = 1; cut < stream.length; cut++) {
    const { events, out } = feed([stream.subarray(0, cut), stream.subarray(cut)]);
    assert.deepEqual(events.map((e) => [e.line, e.exit]), [['docker run -d -p 8080:80 nginx', 125], ['ls', 0]], `cut at ${cut}`);
    assert.equal(out, 'user@berth:~$ abc\r\nuser@berth:~$ ', `cut at ${cut}`);
  }
  // One byte at a time.
  const { events } = feed([...stream].map((b) => Buffer.from([b])));
  assert.equal(events.length, 2);
});

test('multi-line commands and special characters survive the escaping', () => {
  const heredoc = "cat > Dockerfile <<'EOF'\nFROM busybox\nCMD [\"echo\", \"a;b\\\\c\"]\nEOF";
  const { events } = feed([E(heredoc), C, D(0)]);
  assert.equal(events[0]!.line, heredoc);
  const zh = 'echo 你好；世界';
  assert.equal(feed([E(zh), C, D(0)]).events[0]!.line, zh);
});

test('ESC \\ also terminates a mark', () => {
  const { events, out } = feed(['\x1b]633;E;ls;n0nce\x1b\\', '\x1b]133;D;2;n0nce\x1b\\', 'x']);
  assert.deepEqual(events.map((e) => [e.line, e.exit]), [['ls', 2]]);
  assert.equal(out, 'x');
});

test('a prompt with no command (Enter, Ctrl-C) raises nothing', () => {
  const { events } = feed([PROMPT, D(0), PROMPT, D(130), PROMPT]);
  assert.deepEqual(events, []);
});

test('a learner who replaces their prompt still has commands seen', () => {
  const { events, out } = feed(['> ', E('docker images'), C, 'REPOSITORY\r\n', D(0), '> ']);
  assert.deepEqual(events.map((e) => e.line), ['docker images']);
  assert.equal(out, '> REPOSITORY\r\n> ');
});

test('spoofed marks without the nonce raise nothing and stay visible as plain bytes', () => {
  const spoof = E('docker run hello-world', 'guess') + D(0, 'guess');
  const { events, out } = feed([E('echo hi'), C, spoof, 'hi\r\n', D(0)]);
  assert.deepEqual(events.map((e) => e.line), ['echo hi']);
  assert.ok(out.includes('633;E;docker run hello-world;guess'));
  // A D without a preceding E, or malformed, counts for nothing.
  assert.deepEqual(feed([D(0), '\x1b]133;D;zero;n0nce\x07', '\x1b]633;E;x\x07', D(0)]).events, []);
});

test('other escape sequences pass through untouched', () => {
  const colors = '\x1b[1;32muser\x1b[0m \x1b]0;title\x07 \x1b[?2004h';
  const { out } = feed([colors.slice(0, 5), colors.slice(5)]);
  assert.equal(out, colors);
});

test('an endless unterminated mark is not buffered without bound', () => {
  const p = new ShellIntegrationParser(NONCE, () => {});
  let forwarded = 0;
  forwarded += p.push(Buffer.from('\x1b]633;E;')).length;
  for (let i = 0; i < 100; i++) forwarded += p.push(Buffer.alloc(4096, 0x61)).length;
  assert.ok(forwarded > 100 * 4096 - 300 * 1024, `forwarded ${forwarded}`);
});

// Issue 11, item 5: the output is the visitor's to shape. Work is counted in bytes examined (never in time):
// a parser that looks again at what it already read would examine the input many times over.
const LINEAR = 4;
function parseInChunks(input: Buffer, chunkBytes: number, nonce = NONCE) {
  const events: CommandEvent[] = [];
  const p = new ShellIntegrationParser(nonce, (e) => events.push(e));
  const out: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunkBytes) out.push(p.push(input.subarray(i, i + chunkBytes)));
  return { events, out: Buffer.concat(out), examined: p.examined };
}

test('a flood of mark starts (360 KB, then 4 MB, of ESC]133;) is parsed in linear time and forwarded as plain bytes', () => {
  for (const input of [Buffer.from('\x1b]133;'.repeat(60_000)), Buffer.from('\x1b]133;\n'.repeat(600_000))]) {
    for (const chunkBytes of [input.length, 4096, 7]) {
      const { out, examined, events } = parseInChunks(input, chunkBytes);
      assert.ok(examined <= LINEAR * input.length, `${examined} bytes examined for ${input.length} (chunks of ${chunkBytes})`);
      // The last start is still waiting for its end; everything before it reached the screen.
      assert.ok(out.length >= input.length - 8 && input.subarray(0, out.length).equals(out), `${out.length} of ${input.length} forwarded`);
      assert.equal(events.length, 0);
    }
  }
});

test('several MB of forged marks (another nonce) are parsed in linear time and stay visible', () => {
  const input = Buffer.from((E('docker run nginx', 'guess') + D(0, 'guess')).repeat(60_000));
  const { out, examined, events } = parseInChunks(input, 4096);
  assert.ok(examined <= LINEAR * input.length, `${examined} bytes examined for ${input.length}`);
  assert.ok(out.equals(input));
  assert.equal(events.length, 0);
});

test('several MB of marks with the shell\'s own nonce are parsed in linear time (the terminal host bounds the events)', () => {
  const input = Buffer.from((E('true') + C + D(0) + PROMPT).repeat(60_000));
  const { out, examined, events } = parseInChunks(input, 4096);
  assert.ok(examined <= LINEAR * input.length, `${examined} bytes examined for ${input.length}`);
  assert.equal(events.length, 60_000);
  assert.equal(out.toString(), 'user@berth:~$ '.repeat(60_000));
});

test('a mark longer than the maximum is forwarded whole as plain bytes, each byte once', () => {
  const huge = `\x1b]633;E;${'a'.repeat(200 * 1024)};${NONCE}\x07`;
  const input = Buffer.from(huge + E('ls') + C + D(0) + 'after');
  const { out, examined, events } = parseInChunks(input, 1000);
  assert.equal(out.toString(), huge + 'after');
  assert.deepEqual(events.map((e) => e.line), ['ls']);
  assert.ok(examined <= LINEAR * input.length, `${examined} bytes examined for ${input.length}`);
});

test('an ESC inside a mark ends it as a terminal would: the bytes are plain, the next sequence is read', () => {
  const { out, events } = feed(['\x1b]633;E;x;n0nce\x1b[31mred', E('ls'), C, D(0)]);
  assert.equal(out, '\x1b]633;E;x;n0nce\x1b[31mred');
  assert.deepEqual(events.map((e) => e.line), ['ls']);
});

test('an observer sees each command\'s output in order, and what it prints replaces the end mark, at every chunk cut', () => {
  const stream = Buffer.from(PROMPT + E('docker pull x') + C + 'error one\r\n' + D(1) + PROMPT + E('ls') + C + 'file\r\n' + D(0) + PROMPT);
  for (let cut = 1; cut < stream.length; cut++) {
    const seen: string[] = [];
    const observer = {
      started: (line: string) => seen.push(`«started ${line}»`),
      text: (bytes: Buffer) => seen.push(bytes.toString()),
      ended: (e: CommandEvent) => (seen.push(`«ended ${e.exit}»`), e.exit ? Buffer.from('NOTE\r\n') : undefined),
    };
    const p = new ShellIntegrationParser(NONCE, () => {}, () => 42, undefined, observer);
    const out = Buffer.concat([p.push(stream.subarray(0, cut)), p.push(stream.subarray(cut))]).toString();
    assert.equal(out, 'user@berth:~$ error one\r\nNOTE\r\nuser@berth:~$ file\r\nuser@berth:~$ ', `cut at ${cut}`);
    // What the observer read is the output without its own note, with each command's start and end in place.
    assert.equal(seen.join(''), 'user@berth:~$ «started docker pull x»error one\r\n«ended 1»user@berth:~$ «started ls»file\r\n«ended 0»user@berth:~$ ', `cut at ${cut}`);
  }
});
