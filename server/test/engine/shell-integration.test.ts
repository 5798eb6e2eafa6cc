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
});
