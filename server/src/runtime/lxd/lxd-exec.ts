// Commands in an LXD sandbox through LXD's exec API: one websocket per standard stream plus a control socket
// (a TTY's size, signals). The same bounds as the docker runtime's execs: output kept up to a limit, and
// timeout(1) inside the sandbox, the host cutting the streams a grace period after it.
import { Duplex, PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type WebSocket from 'ws';
import { EXEC_CUT_GRACE_MS, EXEC_OUTPUT_BYTES, type ExecOptions, type ExecResult, type ExecStream, type FollowedProcess } from '../runtime.js';
import type { LxdApi } from './lxd-api.js';

/** What a Docker host's login gives the visitor (the docker runtime's image sets the same as ENV). */
export const VISITOR_ENV: Record<string, string> = {
  HOME: '/home/user',
  USER: 'user',
  LOGNAME: 'user',
  SHELL: '/bin/bash',
  LANG: 'C.UTF-8',
  XDG_RUNTIME_DIR: '/run/user/1000',
  DOCKER_HOST: 'unix:///run/user/1000/docker.sock',
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
};

export interface LxdExecRequest {
  cmd: string[];
  /** 'uid:gid', default the visitor. */
  user?: string;
  env?: string[];
  interactive?: boolean;
  size?: { cols: number; rows: number };
}

interface RunningExec {
  operationId: string;
  sockets: Record<string, WebSocket>;
}

function envObject(env: string[] = []): Record<string, string> {
  const out = { ...VISITOR_ENV };
  for (const kv of env) {
    const i = kv.indexOf('=');
    if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

export async function startExec(api: LxdApi, instance: string, r: LxdExecRequest): Promise<RunningExec> {
  const [uid, gid] = (r.user ?? '1000:1000').split(':').map(Number);
  const op = await api.start('POST', `/1.0/instances/${encodeURIComponent(instance)}/exec`, {
    command: r.cmd,
    environment: envObject(r.env),
    interactive: !!r.interactive,
    'wait-for-websocket': true,
    'record-output': false,
    user: uid,
    group: gid ?? uid,
    cwd: uid === 0 ? '/root' : '/home/user',
    ...(r.size ? { width: r.size.cols, height: r.size.rows } : {}),
  });
  const fds = (op.metadata?.fds ?? {}) as Record<string, string>;
  const names = Object.keys(fds);
  const opened = await Promise.allSettled(names.map((n) => api.websocket(op.id, fds[n]!)));
  const sockets: Record<string, WebSocket> = {};
  opened.forEach((o, i) => { if (o.status === 'fulfilled') sockets[names[i]!] = o.value; });
  if (opened.some((o) => o.status === 'rejected')) {
    for (const ws of Object.values(sockets)) ws.terminate();
    throw (opened.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason;
  }
  return { operationId: op.id, sockets };
}

async function exitCodeOf(api: LxdApi, operationId: string, timeoutMs: number): Promise<number> {
  const op = await api.wait(operationId, timeoutMs).catch(() => null);
  const code = op?.metadata?.return;
  return typeof code === 'number' ? code : -1;
}

/** Output ends with an empty message (LXD's end of stream) or the socket's close. */
function onOutput(ws: WebSocket, onData: (b: Buffer) => void, onEnd: () => void): void {
  let ended = false;
  const end = () => { if (!ended) { ended = true; onEnd(); } };
  ws.on('message', (m: Buffer) => (m.length === 0 ? end() : onData(m)));
  ws.on('close', end);
  ws.on('error', end);
}

function closeAll(x: RunningExec): void {
  for (const ws of Object.values(x.sockets)) ws.terminate();
}

export async function lxdExec(api: LxdApi, instance: string, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const timeoutS = Math.max(1, Math.ceil(timeoutMs / 1000));
  const x = await startExec(api, instance, { cmd: ['timeout', '-s', 'KILL', String(timeoutS), ...cmd], user: opts.user, env: opts.env });
  const { 0: stdin, 1: stdout, 2: stderr } = x.sockets;
  // The close of standard input's socket is the command's end of input.
  if (opts.input !== undefined) stdin!.send(opts.input, () => stdin!.close());
  else stdin!.close();
  const maxOutput = opts.maxOutputBytes ?? EXEC_OUTPUT_BYTES;
  const chunks: Buffer[] = [];
  let received = 0;
  let cut: ExecResult['cut'];
  let open = 2;
  let done!: () => void;
  const ended = new Promise<void>((resolve) => (done = resolve));
  const cutWith = (why: NonNullable<ExecResult['cut']>) => {
    cut ??= why;
    closeAll(x);
    done();
  };
  const take = (c: Buffer) => {
    if (cut) return;
    if (received < maxOutput) chunks.push(c.subarray(0, maxOutput - received));
    received += c.length;
    if (received > maxOutput) cutWith('output-limit');
  };
  for (const ws of [stdout!, stderr!]) onOutput(ws, take, () => { if (--open === 0) done(); });
  const timer = setTimeout(() => cutWith('timeout'), timeoutS * 1000 + EXEC_CUT_GRACE_MS);
  await ended;
  clearTimeout(timer);
  const output = Buffer.concat(chunks).toString('utf8');
  if (cut) return { exitCode: -1, output, timedOut: cut === 'timeout', cut };
  const exitCode = await exitCodeOf(api, x.operationId, 10_000);
  closeAll(x);
  return { exitCode, output, timedOut: exitCode === 137 || exitCode === 124 };
}

export async function lxdExecStream(api: LxdApi, instance: string, cmd: string[], opts: { timeoutMs: number }): Promise<ExecStream> {
  const timeoutS = Math.max(1, Math.ceil(opts.timeoutMs / 1000));
  const x = await startExec(api, instance, { cmd: ['timeout', '-s', 'KILL', String(timeoutS), ...cmd] });
  const { 0: stdin, 1: out, 2: err } = x.sockets;
  stdin!.close();
  err!.on('message', () => {});
  const stdout = new PassThrough();
  // Backpressure: the socket stops reading while the reader is behind.
  stdout.on('drain', () => out!.resume());
  let finish!: () => void;
  const ended = new Promise<void>((resolve) => (finish = resolve));
  onOutput(out!, (c) => { if (!stdout.write(c)) out!.pause(); }, () => { stdout.end(); finish(); });
  const timer = setTimeout(() => closeAll(x), timeoutS * 1000 + EXEC_CUT_GRACE_MS);
  void ended.then(() => clearTimeout(timer));
  return {
    stdout,
    exitCode: async () => {
      await ended;
      const code = await exitCodeOf(api, x.operationId, 10_000);
      closeAll(x);
      return code;
    },
    stop: () => { closeAll(x); stdout.end(); finish(); },
  };
}

export async function lxdFollow(api: LxdApi, instance: string, cmd: string[], onData: (chunk: Buffer) => void, opts: { timeoutMs: number }): Promise<FollowedProcess> {
  const run = await lxdExecStream(api, instance, cmd, opts);
  run.stdout.on('data', onData);
  return { stop: run.stop, ended: run.exitCode().then(() => undefined) };
}

/** An interactive command with a TTY: its bytes both ways as a Duplex, its size through the control socket. */
export async function lxdTerminal(api: LxdApi, instance: string, cmd: string[], env: string[], size: { cols: number; rows: number }) {
  const x = await startExec(api, instance, { cmd, env, interactive: true, size });
  const { 0: tty, control } = x.sockets;
  const stream = new Duplex({
    write(chunk: Buffer, _enc, cb) {
      tty!.send(chunk, { binary: true }, cb);
    },
    read() {
      tty!.resume();
    },
    final(cb) {
      tty!.close();
      cb();
    },
    destroy(err, cb) {
      closeAll(x);
      cb(err);
    },
  });
  onOutput(tty!, (c) => { if (!stream.push(c)) tty!.pause(); }, () => stream.push(null));
  const resize = async (cols: number, rows: number) => {
    control!.send(JSON.stringify({ command: 'window-resize', args: { width: String(cols), height: String(rows) } }));
  };
  return { stream, resize, operationId: x.operationId };
}

/**
 * A command's standard input and output as a socket-like Duplex (a port link's connection to a sandbox this
 * server cannot dial: a relay inside it). Ending the Duplex closes the command's input; its output's end is
 * the Duplex's. setTimeout, setNoDelay and setKeepAlive are what Node's HTTP client asks of a socket.
 * A command that ends having written nothing is asked how it ended (`failed`: its exit code and the start of its
 * stderr), so that a relay refused its connection fails as a refused socket would, not as one that was dropped.
 */
export async function lxdPipe(
  api: LxdApi,
  instance: string,
  cmd: string[],
  failed: (exitCode: number, stderr: string) => Error | null = () => null,
): Promise<Duplex> {
  const x = await startExec(api, instance, { cmd });
  const { 0: stdin, 1: stdout, 2: stderr } = x.sockets;
  let errText = '';
  // Its stderr may end after its exit code is known: a refusal read before its words arrive would be no refusal.
  const errEnded = new Promise<void>((resolve) =>
    onOutput(stderr!, (m) => {
      if (errText.length < 1000) errText += m.toString('utf8', 0, 1000);
    }, resolve),
  );
  let wrote = false;
  let idle: NodeJS.Timeout | undefined;
  let idleMs = 0;
  const touch = () => {
    clearTimeout(idle);
    if (idleMs > 0) idle = setTimeout(() => stream.emit('timeout'), idleMs);
  };
  const stream = Object.assign(
    new Duplex({
      write(chunk: Buffer, _enc, cb) {
        touch();
        stdin!.send(chunk, { binary: true }, cb);
      },
      read() {
        stdout!.resume();
      },
      final(cb) {
        stdin!.close();
        cb();
      },
      destroy(err, cb) {
        clearTimeout(idle);
        closeAll(x);
        cb(err);
      },
    }),
    {
      setTimeout(ms: number, onTimeout?: () => void) {
        idleMs = ms;
        if (onTimeout) stream.once('timeout', onTimeout);
        touch();
        return stream;
      },
      setNoDelay: () => stream,
      setKeepAlive: () => stream,
    },
  );
  onOutput(stdout!, (c) => {
    wrote = true;
    touch();
    if (!stream.push(c)) stdout!.pause();
  }, () => {
    if (wrote) return void stream.push(null);
    void Promise.all([exitCodeOf(api, x.operationId, 5000), Promise.race([errEnded, sleep(2000, undefined, { ref: false })])]).then(([code]) => {
      const err = failed(code, errText);
      if (err) stream.destroy(err);
      else stream.push(null);
    });
  });
  return stream;
}
