// The session's bash reports each command it ran, and the server turns that into `command` events.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ServerEvent } from '@berth/shared';
import { useSessionTerminal } from '../helpers.js';

type Command = Extract<ServerEvent, { type: 'command' }>;

describe('shell integration', () => {
  const ctx = useSessionTerminal();
  const commands = () => ctx.term.events.filter((e): e is Command => e.type === 'command');
  const waitCommand = (line: string) => ctx.term.waitForEvent((e) => e.type === 'command' && e.line === line, 15_000, `command ${line}`) as Promise<Command>;

  test('a command is reported with its line and exit status, and the marks never reach the screen', async () => {
    ctx.term.type('docker run --rm hello-world\r');
    const ok = await waitCommand('docker run --rm hello-world');
    assert.equal(ok.exit, 0);
    ctx.term.type('ls /nonexistent\r');
    assert.equal((await waitCommand('ls /nonexistent')).exit, 2);
    assert.doesNotMatch(ctx.term.text, /133;|633;/);
  });

  test('a multi-line command arrives whole', async () => {
    ctx.term.type("cat > /tmp/Dockerfile <<'EOF'\rFROM busybox\rCMD [\"echo\", \"a;b\"]\rEOF\r");
    const c = await waitCommand("cat > /tmp/Dockerfile <<'EOF'\nFROM busybox\nCMD [\"echo\", \"a;b\"]\nEOF");
    assert.equal(c.exit, 0);
  });

  test('a learner who replaces their prompt, or types a leading space, is still seen', async () => {
    ctx.term.type("PS1='> '\r");
    await waitCommand("PS1='> '");
    ctx.term.type(' docker ps -q\r');
    assert.equal((await waitCommand('docker ps -q')).exit, 0);
    ctx.term.type('source /etc/profile.d/berth.sh\r');
    await waitCommand('source /etc/profile.d/berth.sh');
  });

  test('printing a fake mark does not count as running a command', async () => {
    const before = commands().length;
    ctx.term.type("printf '\\e]633;E;docker run nginx;guess\\a\\e]133;D;0;guess\\a'; echo spoofed\r");
    const c = await waitCommand("printf '\\e]633;E;docker run nginx;guess\\a\\e]133;D;0;guess\\a'; echo spoofed");
    assert.equal(c.exit, 0);
    assert.deepEqual(commands().slice(before).map((e) => e.line), [c.line]);
  });
  test('every kind of line is reported once: a subshell, a function, a repeat, a prompt that runs a command, an added PROMPT_COMMAND, a DEBUG trap of their own, a Tab', async () => {
    const before = commands().length;
    const lines = ['( exit 3 )', 'greet() { echo hi; }', 'greet', 'greet', "PS1='$(echo in-prompt)> '", 'echo after-prompt', "PROMPT_COMMAND+='; history -a'", 'echo after-prompt-command', "trap 'true' DEBUG", 'trap -p DEBUG', 'trap - DEBUG', 'echo untrapped'];
    const exits: number[] = [];
    for (const line of lines) {
      ctx.term.type(`${line}\r`);
      exits.push((await waitCommand(line)).exit);
    }
    // Tab completion runs bash-completion's functions at the prompt: none of them is a command.
    ctx.term.type('docker versi\t');
    await ctx.term.waitFor(() => /docker version $/.test(ctx.term.text.trimEnd() + ' ') || undefined, 10_000, 'the completed word');
    ctx.term.type('\r');
    const version = (await ctx.term.waitForEvent((e) => e.type === 'command' && e.line.startsWith('docker version'), 30_000, 'docker version')) as Command;
    assert.deepEqual(exits, [3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.match(ctx.term.text, /^trap -- 'true' DEBUG$/m, "the learner's own DEBUG trap is left in place");
    assert.deepEqual(commands().slice(before).map((e) => e.line), [...lines, version.line]);
  });
  test("the hooks' DEBUG trap leaves once its line is marked (a loop typed at the prompt runs untrapped), and the next line is still reported", async () => {
    const line = 'true; trap -p DEBUG; echo "[no-trap-""above]"';
    ctx.term.type(`${line}\r`);
    assert.equal((await waitCommand(line)).exit, 0);
    const text = ctx.term.text;
    const output = text.slice(text.lastIndexOf(line) + line.length, text.lastIndexOf('[no-trap-above]'));
    assert.doesNotMatch(output, /trap --/, 'no DEBUG trap is in place for the rest of the line');
    ctx.term.type('echo next-line\r');
    assert.equal((await waitCommand('echo next-line')).exit, 0);
  });

  test("the hooks leave the learner's shell as it was: $_, $?, PIPESTATUS and BASH_REMATCH of the last command", async () => {
    const lines = ['mkdir -p /tmp/made-here', 'echo "last=$_"', 'false | true', 'echo "pipes=${PIPESTATUS[*]}"', '[[ abc =~ (b) ]]', 'echo "match=${BASH_REMATCH[1]}"', '(exit 7)', 'echo "status=$?"'];
    for (const line of lines) {
      ctx.term.type(`${line}\r`);
      await waitCommand(line);
    }
    for (const seen of ['last=/tmp/made-here', 'pipes=1 0', 'match=b', 'status=7']) assert.match(ctx.term.text, new RegExp(`^${seen.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'));
  });
});
