// A lesson's check run through berth-term (a RUN): its output and exit status come back as frames. The host's
// reader against what a stand-in may send, then the real berth-term, built here, on loopback.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import fs from 'node:fs';
import { openFrame, RunFrameReader, runServed, TERMINAL_PREAMBLE } from '../../src/runtime/terminal-server.js';
import { berthTermBinary } from './berth-term-binary.js';

const dFrame = (text: string) => {
  const b = Buffer.from(text);
  const h = Buffer.from([0x64, 0, 0, 0, 0]);
  h.writeUInt32BE(b.length, 1);
  return Buffer.concat([h, b]);
};
const xFrame = (status: number) => Buffer.from([0x78, 0, 0, 0, 4, 0, 0, 0, status]);

describe('reading a RUN\'s frames', () => {
  test('output and status split anywhere, even a byte at a time, read the same', () => {
    const all = Buffer.concat([dFrame('hello '), dFrame('world\n'), xFrame(3)]);
    for (const size of [1, 2, 7, all.length]) {
      const r = new RunFrameReader(1024);
      for (let at = 0; at < all.length; at += size) assert.equal(r.push(all.subarray(at, at + size)), 'ok');
      assert.equal(r.output(), 'hello world\n');
      assert.equal(r.status, 3);
    }
  });

  test('output past the bound, a frame larger than berth-term sends, an unknown type, bytes after the status', () => {
    assert.equal(new RunFrameReader(8).push(dFrame('more than eight')), 'too-much');
    assert.equal(new RunFrameReader(1 << 20).push(Buffer.from([0x64, 0, 1, 0, 1])), 'broken');
    assert.equal(new RunFrameReader(1024).push(Buffer.from([0x7a, 0, 0, 0, 0])), 'broken');
    assert.equal(new RunFrameReader(1024).push(Buffer.from([0x78, 0, 0, 0, 5, 0, 0, 0, 0, 0])), 'broken');
    assert.equal(new RunFrameReader(1024).push(Buffer.concat([xFrame(0), dFrame('late')])), 'broken');
  });
});

describe('what a RUN makes of a stand-in on the port', () => {
  async function standIn(answer: (socket: net.Socket) => void): Promise<{ port: number; close(): void }> {
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      answer(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
  }
  const req = { cwd: '/tmp', env: [], argv: ['true'] };

  test('no preamble: null, so the check runs by exec; the preamble then a close without status: not met (-1), nothing cut', async () => {
    const silent = await standIn((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const closing = await standIn((s) => s.end(Buffer.concat([TERMINAL_PREAMBLE, dFrame('looks fine')])));
    try {
      assert.equal(await runServed('127.0.0.1', req, { timeoutMs: 5000, maxOutputBytes: 1024 }, silent.port), null);
      assert.deepEqual(await runServed('127.0.0.1', req, { timeoutMs: 5000, maxOutputBytes: 1024 }, closing.port), { exitCode: -1, timedOut: false, output: 'looks fine' });
    } finally {
      silent.close();
      closing.close();
    }
  });

  test('the preamble, then silence: timed out at the check\'s time limit, as a killed exec (137)', async () => {
    const s = await standIn((socket) => socket.write(TERMINAL_PREAMBLE));
    try {
      const r = await runServed('127.0.0.1', req, { timeoutMs: 300, maxOutputBytes: 1024 }, s.port);
      assert.deepEqual(r, { exitCode: 137, timedOut: true, output: '' });
    } finally {
      s.close();
    }
  });
});

describe('a RUN on the real berth-term', () => {
  const real = berthTermBinary();
  before(() => real.build());
  after(() => real.cleanUp());
  const run = async (port: number, script: string, timeoutMs = 5000, maxOutputBytes = 1 << 20) => {
    const r = await runServed('127.0.0.1', { cwd: '/tmp', env: ['FOO=from-the-host'], argv: ['bash', '-c', script] }, { timeoutMs, maxOutputBytes }, port);
    assert.ok(r, 'berth-term answered');
    return r;
  };

  test('output (stdout and stderr, no terminal) and the exit status; no input: a read ends at once', async () => {
    const { port } = await real.serve(true);
    assert.deepEqual(await run(port, 'echo "$FOO in $PWD"; echo oops >&2; [ -t 1 ] || echo no-tty; cat; exit 3'), { exitCode: 3, timedOut: false, output: 'from-the-host in /tmp\noops\nno-tty\n' });
    assert.equal((await run(port, 'true')).exitCode, 0);
    assert.equal((await run(port, 'kill -KILL $$')).exitCode, 137);
  });

  test('much output arrives whole, in order', async () => {
    const { port } = await real.serve(true);
    const r = await run(port, 'seq 1 100000');
    assert.equal(r.exitCode, 0);
    assert.equal(r.output, `${Array.from({ length: 100000 }, (_, i) => i + 1).join('\n')}\n`);
  });

  test('a check that writes past its bound is cut; one that runs past its time is ended, with what it started', async () => {
    const { port } = await real.serve(true);
    const cut = await run(port, 'yes', 5000, 64 * 1024);
    assert.deepEqual({ exitCode: cut.exitCode, cut: cut.cut }, { exitCode: -1, cut: 'output-limit' });
    const marker = `sleep ${800000 + Math.floor(Math.random() * 99999)}`;
    const running = () => { try { return execFileSync('pgrep', ['-f', `^${marker}$`]).length > 0; } catch { return false; } };
    const slow = await run(port, `${marker} & wait`, 500);
    assert.deepEqual(slow, { exitCode: 137, timedOut: true, output: '' });
    for (let i = 0; i < 100 && running(); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(!running(), `${marker} still runs`);
  });

  test('a check that leaves a job running behind it still gets its status at once', async () => {
    const { port } = await real.serve(true);
    const marker = `sleep ${700000 + Math.floor(Math.random() * 99999)}`;
    // Held until its time limit, it would be 137 and timed out.
    const r = await run(port, `${marker} & echo started`, 10_000);
    assert.deepEqual(r, { exitCode: 0, timedOut: false, output: 'started\n' });
    execFileSync('pkill', ['-f', `^${marker}$`]);
  });

  test('a RUN whose output the host does not read waits at TCP: berth-term does not spin', async () => {
    const { port, pid } = await real.serve(true);
    const cpuTicks = () => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ').slice(11, 13).reduce((a, b) => a + Number(b), 0);
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(openFrame({ cols: 80, rows: 24, cwd: '/', env: [], argv: ['yes'] }, 'x'));
    socket.pause();
    await new Promise((r) => setTimeout(r, 500)); // the socket's buffers fill, then the ring
    const before = cpuTicks();
    await new Promise((r) => setTimeout(r, 1500));
    const used = cpuTicks() - before;
    socket.destroy();
    // A poll loop woken for a ring that cannot take a read would burn the whole 1.5 s (150 ticks).
    assert.ok(used < 30, `berth-term used ${used} ticks of CPU in 1.5 s`);
  });
});
