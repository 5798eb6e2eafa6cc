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
