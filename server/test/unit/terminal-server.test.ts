// The host's side of the terminal server: what it sends, and what it makes of whatever answers (the visitor may
// have replaced berth-term with anything). Then the real berth-term (native/session/berth-term.c), built here
// with gcc and run on loopback, through the same client.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { berthTermBinary } from './berth-term-binary.js';
import { dataFrames, MAX_FRAME_PAYLOAD, openFrame, openServedShell, TERMINAL_PREAMBLE } from '../../src/runtime/terminal-server.js';

const request = { cols: 100, rows: 30, cwd: '/tmp', env: ['FOO=bar'], argv: ['sh', '-c', 'echo hi'] };

/** A TCP server on loopback that runs answer on each connection; resolves its port. */
async function standIn(answer: (socket: net.Socket) => void): Promise<{ port: number; received: Buffer[]; close(): void }> {
  const received: Buffer[] = [];
  const server = net.createServer((socket) => {
    socket.on('data', (c) => received.push(c));
    socket.on('error', () => {});
    answer(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, received, close: () => server.close() };
}

function readUntil(stream: NodeJS.ReadableStream, pattern: RegExp, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in ${JSON.stringify(text)}`)), timeoutMs);
    stream.on('data', (c: Buffer) => {
      text += c.toString();
      if (pattern.test(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
  });
}

describe('terminal server frames', () => {
  test('an OPEN frame: size, folder, environment, an empty string, then argv, each NUL-ended', () => {
    const f = openFrame(request);
    assert.equal(f.subarray(0, 1).toString(), 'o');
    assert.equal(f.readUInt32BE(1), f.length - 5);
    assert.equal(f.readUInt16BE(5), 100);
    assert.equal(f.readUInt16BE(7), 30);
    assert.equal(f.subarray(9).toString(), '/tmp\0FOO=bar\0\0sh\0-c\0echo hi\0');
  });

  test('typed input larger than a frame is cut into frames berth-term accepts', () => {
    const frames = dataFrames(Buffer.alloc(MAX_FRAME_PAYLOAD * 2 + 10, 'x'));
    const lengths: number[] = [];
    for (let at = 0; at < frames.length; at += 5 + frames.readUInt32BE(at + 1)) {
      assert.equal(frames.subarray(at, at + 1).toString(), 'd');
      lengths.push(frames.readUInt32BE(at + 1));
    }
    assert.deepEqual(lengths, [MAX_FRAME_PAYLOAD, MAX_FRAME_PAYLOAD, 10]);
  });

  test('a request too large for one frame is refused before anything is sent', () => {
    assert.throws(() => openFrame({ ...request, env: [`BIG=${'x'.repeat(MAX_FRAME_PAYLOAD)}`] }), /too large/);
  });
});

describe('what the host makes of whatever answers on the port', () => {
  test('the preamble in pieces, then output: a shell; keys and resizes reach it as frames, in order', async () => {
    const s = await standIn((socket) => {
      socket.write(TERMINAL_PREAMBLE.subarray(0, 3));
      setTimeout(() => socket.write(Buffer.concat([TERMINAL_PREAMBLE.subarray(3), Buffer.from('first output')])), 20);
    });
    try {
      const shell = await openServedShell('127.0.0.1', request, s.port);
      assert.ok(shell);
      assert.equal(await readUntil(shell.stream, /first output/), 'first output');
      shell.stream.write('ls\r');
      await shell.resize(120, 40);
      shell.stream.write('pwd\r');
      await new Promise((r) => setTimeout(r, 100));
      const all = Buffer.concat(s.received);
      const open = openFrame(request);
      assert.deepEqual(all.subarray(0, open.length), open);
      assert.deepEqual(all.subarray(open.length), Buffer.concat([dataFrames(Buffer.from('ls\r')), Buffer.from([0x72, 0, 0, 0, 4, 0, 120, 0, 40]), dataFrames(Buffer.from('pwd\r'))]));
      shell.stream.destroy();
    } finally {
      s.close();
    }
  });

  test('an HTTP server on the port (a visitor\'s stand-in) is not a shell', async () => {
    const s = await standIn((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    try {
      assert.equal(await openServedShell('127.0.0.1', request, s.port), null);
    } finally {
      s.close();
    }
  });

  test('a stand-in that accepts and says nothing is given up on within seconds', async () => {
    const s = await standIn(() => {});
    try {
      const t0 = Date.now();
      assert.equal(await openServedShell('127.0.0.1', request, s.port), null);
      assert.ok(Date.now() - t0 < 5000);
    } finally {
      s.close();
    }
  });

  test('nothing on the port: no shell, at once', async () => {
    const s = await standIn(() => {});
    s.close();
    assert.equal(await openServedShell('127.0.0.1', request, s.port), null);
  });

  test('a stand-in that closes after half the preamble is not a shell', async () => {
    const s = await standIn((socket) => socket.end(TERMINAL_PREAMBLE.subarray(0, 4)));
    try {
      assert.equal(await openServedShell('127.0.0.1', request, s.port), null);
    } finally {
      s.close();
    }
  });
});

describe('the real berth-term, built here, on loopback', () => {
  const real = berthTermBinary();
  const serve = real.serve;
  const shell = async (port: number, argv: string[], extra: Partial<typeof request> = {}) => {
    const s = await openServedShell('127.0.0.1', { ...request, ...extra, argv }, port);
    assert.ok(s, 'berth-term answered');
    return s;
  };
  const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

  before(() => real.build());
  after(() => real.cleanUp());

  test('a shell: its folder, the environment asked for, typed keys, a resize; it ends the connection when it exits', async () => {
    const { port } = await serve(true);
    const s = await shell(port, ['bash', '--norc', '--noprofile', '-i'], { env: ['PS1=$ ', 'FOO=from-the-host'] });
    await readUntil(s.stream, /\$ $/);
    const got = readUntil(s.stream, /45 123/);
    s.stream.write('echo "$FOO in $PWD"\r');
    await s.resize(123, 45);
    s.stream.write('stty size\r');
    assert.match(await got, /from-the-host in \/tmp/);
    const ended = new Promise((resolve) => s.stream.on('close', resolve));
    s.stream.write('exit\r');
    await ended;
  });

  test('the host hanging up ends the shell\'s whole session: a job of its own process group that ignores SIGHUP too', async () => {
    const { port } = await serve(true);
    const marker = `sleep ${900000 + Math.floor(Math.random() * 99999)}`;
    const s = await shell(port, ['bash', '--norc', '--noprofile', '-i'], { env: ['PS1=$ '] });
    await readUntil(s.stream, /\$ $/);
    s.stream.write(`trap '' HUP; ${marker} &\r`);
    const running = () => { try { return execFileSync('pgrep', ['-f', `^${marker}$`]).length > 0; } catch { return false; } };
    for (let i = 0; i < 100 && !running(); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(running());
    s.stream.destroy();
    for (let i = 0; i < 100 && running(); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(!running(), `${marker} still runs`);
  });

  test('output the host does not read, and keys a program does not read, stop at TCP: berth-term\'s memory stays flat', async () => {
    const { port, pid } = await serve(true);
    const before = rssKiB(pid);
    const out = await shell(port, ['yes']);
    out.stream.pause();
    const keys = await shell(port, ['sh', '-c', 'stty raw -echo; sleep 60']);
    const typed = Buffer.alloc(1 << 20, 'k');
    for (let i = 0; i < 8; i++) keys.stream.write(typed);
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(rssKiB(pid) - before < 1024, `RSS ${before} -> ${rssKiB(pid)} KiB`);
    out.stream.destroy();
    keys.stream.destroy();
  });

  test('the program gets every signal as a login gives it: Ctrl-C and Ctrl-backslash stop a foreground program', async () => {
    const { port } = await serve(true);
    const s = await shell(port, ['bash', '--norc', '--noprofile', '-i'], { env: ['PS1=$ '] });
    await readUntil(s.stream, /\$ $/);
    const interrupted = readUntil(s.stream, /\^C\r\n\$ $/);
    s.stream.write('sleep 30\r');
    await new Promise((r) => setTimeout(r, 300));
    s.stream.write('\x03');
    await interrupted;
    const quit = readUntil(s.stream, /stopped-by-quit:131/);
    s.stream.write('sleep 30; echo stopped-by-quit:$?\r');
    await new Promise((r) => setTimeout(r, 300));
    s.stream.write('\x1c');
    await quit;
    s.stream.destroy();
  });

  test('a program that cannot run says so, and the connection ends', async () => {
    const { port } = await serve(true);
    const s = await shell(port, ['/no/such/program']);
    const text = await new Promise<string>((resolve) => {
      let t = '';
      s.stream.on('data', (c: Buffer) => (t += c.toString()));
      s.stream.on('close', () => resolve(t));
    });
    assert.match(text, /berth-term: cannot run \/no\/such\/program: No such file or directory/);
  });

  test('a connection from loopback (the sandbox itself, or its containers through slirp) gets no shell', async () => {
    const { port, pid } = await serve(false);
    assert.equal(await openServedShell('127.0.0.1', request, port), null);
    assert.ok(fs.existsSync(`/proc/${pid}`), 'berth-term still runs');
  });

  test('garbage, an oversized frame and keys before OPEN close only that connection', async () => {
    const { port, pid } = await serve(true);
    const garbage = [Buffer.from('GET / HTTP/1.1\r\n\r\n'), Buffer.from([0x64, 0xff, 0xff, 0xff, 0xff]), dataFrames(Buffer.from('ls\r'))];
    for (const bytes of garbage) {
      const answer = await new Promise<Buffer>((resolve) => {
        const chunks: Buffer[] = [];
        const c = net.connect(port, '127.0.0.1', () => c.write(bytes));
        c.on('data', (d) => chunks.push(d));
        c.on('close', () => resolve(Buffer.concat(chunks)));
        c.on('error', () => {});
      });
      assert.equal(answer.length, 0);
    }
    const s = await shell(port, ['sh', '-c', 'echo still-$((1+1))']);
    assert.match(await readUntil(s.stream, /still-2/), /still-2/);
    assert.ok(fs.existsSync(`/proc/${pid}`));
  });
});
