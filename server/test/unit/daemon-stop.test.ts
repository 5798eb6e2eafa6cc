import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ensureDaemon, isAlive, readPid, runs, stopDaemon } from '../../src/host/daemon.js';

test('stopping a daemon leaves alone a pid file that a supervisor rewrote meanwhile', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-daemon-'));
  const pidFile = path.join(dir, 'mirror.pid');
  try {
    // The daemon, when told to stop, writes another pid into the file first: a supervisor that started its
    // successor in the moment between the old one's exit and the file's removal.
    const daemon = spawn('sh', ['-c', `trap 'echo 424242 > ${pidFile}; exit 0' TERM; while :; do sleep 0.1; done`], { stdio: 'ignore' });
    fs.writeFileSync(pidFile, `${daemon.pid}\n`);
    await new Promise((r) => setTimeout(r, 200)); // the trap is set
    assert.equal(await stopDaemon({ pidFile, command: 'sh' }), true);
    assert.equal(readPid(pidFile), 424242, "the successor's pid file is still there");

    // A file that still names the stopped daemon is removed.
    const plain = spawn('sleep', ['30'], { stdio: 'ignore' });
    fs.writeFileSync(pidFile, `${plain.pid}\n`);
    assert.equal(await stopDaemon({ pidFile, command: 'sleep' }), true);
    assert.equal(fs.existsSync(pidFile), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a daemon whose configuration file changed is restarted (it reads it only at start)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-daemon-'));
  const spec = {
    name: 'test daemon',
    command: 'sleep',
    args: ['30'],
    pidFile: path.join(dir, 'd.pid'),
    argsFile: path.join(dir, 'd.args'),
    configFiles: [path.join(dir, 'd.yml')],
    logFile: path.join(dir, 'd.log'),
    healthy: async () => {
      const pid = readPid(path.join(dir, 'd.pid'));
      return pid !== null && isAlive(pid);
    },
  };
  try {
    fs.writeFileSync(spec.configFiles[0]!, 'delete: enabled\n');
    assert.equal(await ensureDaemon(spec, () => {}), 'started');
    const first = readPid(spec.pidFile);
    assert.equal(await ensureDaemon(spec, () => {}), 'running', 'same configuration: left running');
    fs.writeFileSync(spec.configFiles[0]!, 'readonly: enabled\n');
    const said: string[] = [];
    assert.equal(await ensureDaemon(spec, (l) => said.push(l)), 'started');
    assert.notEqual(readPid(spec.pidFile), first);
    assert.equal(isAlive(first!), false);
    assert.match(said.join('\n'), /configuration changed/);
  } finally {
    await stopDaemon(spec);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('pid files left from before the machine stopped, naming pids other programs now have: nobody is signalled, the daemon starts', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-daemon-'));
  // Strangers given the pids the dead daemon and its child had (here: a cat and a sleep of someone else's).
  const stranger = spawn('cat', [], { stdio: ['pipe', 'ignore', 'ignore'] });
  const childsStranger = spawn('sleep', ['30'], { stdio: 'ignore' });
  const spec = {
    name: 'test daemon',
    command: 'sleep',
    args: ['31'],
    pidFile: path.join(dir, 'd.pid'),
    logFile: path.join(dir, 'd.log'),
    childPidFiles: [
      { file: path.join(dir, 'child.pid'), command: 'containerd' },
      { file: path.join(dir, 'kept.pid'), command: 'sleep' },
    ],
    healthy: async () => {
      const pid = readPid(path.join(dir, 'd.pid'));
      return pid !== null && runs(pid, 'sleep');
    },
  };
  try {
    fs.writeFileSync(spec.pidFile, `${stranger.pid}\n`);
    fs.writeFileSync(spec.childPidFiles[0]!.file, `${childsStranger.pid}\n`);
    fs.writeFileSync(spec.childPidFiles[1]!.file, `${childsStranger.pid}\n`);
    assert.equal(await stopDaemon(spec), false, 'the stranger is not the daemon: nothing to stop');
    const said: string[] = [];
    assert.equal(await ensureDaemon(spec, (l) => said.push(l)), 'started');
    assert.notEqual(readPid(spec.pidFile), stranger.pid);
    assert.equal(isAlive(stranger.pid!), true, 'the program that now has the old pid was not signalled');
    assert.equal(fs.existsSync(spec.childPidFiles[0]!.file), false, "the child's stale pid file is removed");
    assert.match(said.join('\n'), /not containerd/);
    assert.equal(readPid(spec.childPidFiles[1]!.file), childsStranger.pid, 'a pid file naming its own program is kept');
  } finally {
    await stopDaemon(spec);
    stranger.kill();
    childsStranger.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a node daemon's pid file naming another node process (this server, say) is not taken for the daemon", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-daemon-'));
  const script = path.join(dir, 'daemon-main.mjs');
  fs.writeFileSync(script, 'setInterval(() => {}, 1000);\n');
  const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const own = spawn(process.execPath, [script], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 300)); // both have exec'd
    assert.equal(runs(other.pid!, process.execPath, [script]), false, 'another node program');
    assert.equal(runs(own.pid!, process.execPath, [script]), true, 'the daemon itself');
    fs.writeFileSync(path.join(dir, 'd.pid'), `${other.pid}\n`);
    assert.equal(await stopDaemon({ pidFile: path.join(dir, 'd.pid'), command: process.execPath, args: [script] }), false);
    assert.equal(isAlive(other.pid!), true, 'the other node process was not signalled');
  } finally {
    other.kill();
    own.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
