// A learner's shell in their sandbox: through the sandbox's terminal server (berth-term, terminal-server.ts),
// or by an Engine API exec when that does not answer as berth-term (killed or replaced by the visitor) or when
// BERTH_TERMINAL=exec asks for it. Either way the same program, environment and process ceiling.
import crypto from 'node:crypto';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { ExecOptions, ExecResult, ShellStream } from './runtime.js';
import { openServedShell } from './terminal-server.js';

/** The visitor's user in the sandbox. */
export const VISITOR = '1000:1000';
const HOST_SHELL = '/usr/local/lib/berth/host-shell';

export interface SandboxShellContext {
  container: Docker.Container;
  /** The sandbox's address on its bridge, where berth-term listens. */
  address: () => Promise<string>;
  exec: (cmd: string[], opts: ExecOptions) => Promise<ExecResult>;
  /** The shell's per-user process ceiling (processBudget). */
  shellProcesses: number;
  shellEnv: string[];
  terminal?: 'server' | 'exec';
}

export async function openSandboxShell(ctx: SandboxShellContext, size: { cols: number; rows: number }, env: string[]): Promise<ShellStream> {
  const pidFile = `/run/user/1000/.terminal-${crypto.randomBytes(6).toString('hex')}.pid`;
  // ulimit -u sets the hard limit too: the learner cannot raise it again.
  // host-shell (native/session) starts the shell inside the rootless engine's network and mount
  // namespaces, where a Docker host's shell sits; an image without it gets the shell beside the engine.
  const argv = ['bash', '-c', `ulimit -u ${ctx.shellProcesses} && echo $$ > ${pidFile} && if [ -x ${HOST_SHELL} ]; then exec ${HOST_SHELL} ${pidFile} bash -l; fi; exec bash -l`];
  const shellEnv = ['TERM=xterm-256color', 'COLORTERM=truecolor', 'LANG=C.UTF-8', 'USER=user', 'SHELL=/bin/bash', ...ctx.shellEnv, ...env];
  const kill = (stream: Duplex) => async () => {
    stream.destroy();
    await endShell(ctx, pidFile);
  };
  if (ctx.terminal !== 'exec') {
    const served = await openServedShell(await ctx.address(), { ...size, cwd: '/home/user', env: shellEnv, argv });
    if (served) return { stream: served.stream, resize: served.resize, kill: kill(served.stream), via: 'terminal-server' };
  }
  const exec = await ctx.container.exec({
    Cmd: argv,
    User: VISITOR,
    WorkingDir: '/home/user',
    Env: shellEnv,
    Tty: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    // The engine would otherwise take Ctrl-P Ctrl-Q itself and end the shell: it belongs to the
    // learner's own `docker run -it` / `docker attach`. This sequence is one nobody types.
    DetachKeys: 'ctrl-^,ctrl-@,ctrl-^,ctrl-@',
  } as Docker.ExecCreateOptions);
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as unknown as Duplex;
  // API 1.41 has no ConsoleSize on exec create: size the TTY right after start (bash handles SIGWINCH).
  await exec.resize({ w: size.cols, h: size.rows }).catch(() => {});
  return {
    stream,
    resize: async (cols, rows) => {
      await exec.resize({ w: cols, h: rows }).catch(() => {});
    },
    kill: kill(stream),
    via: 'exec',
  };
}

/**
 * A shell outlives its dropped stream: end it by pid, then everything still in its process session (the TTY
 * made it a session leader): background jobs, a runaway fork loop. The session is frozen first: a stopped
 * process cannot fork, so a fork bomb cannot refill the slots the kills free (with kills alone, a loaded host
 * once left a bomb alive after five rounds). The shell's sudo helper (host-shell) is a process session of its
 * own, with what it runs: ended alike.
 */
export async function endShell(ctx: Pick<SandboxShellContext, 'exec'>, pidFile: string): Promise<void> {
  const sudo = `q=$(cat ${pidFile}.sudo 2>/dev/null); case $q in *[!0-9]*|'') q=;; esac; [ -z "$q" ] || { for i in 1 2 3; do pkill -STOP -s "$q"; done; i=0; while [ $i -lt 30 ] && pkill -KILL -s "$q"; do i=$((i + 1)); sleep 0.05; done; }`;
  const session = `p=$(cat ${pidFile} 2>/dev/null) || exit 0; kill -HUP "$p" 2>/dev/null; sleep 0.2`;
  const freeze = 'for i in 1 2 3; do pkill -STOP -s "$p"; done';
  const kill = 'i=0; while [ $i -lt 30 ] && pkill -KILL -s "$p"; do i=$((i + 1)); sleep 0.05; done';
  await ctx.exec(['sh', '-c', `${sudo}; ${session}; ${freeze}; ${kill}; kill -KILL "$p" 2>/dev/null; rm -f ${pidFile} ${pidFile}.sudo`], { timeoutMs: 10_000 }).catch(() => {});
}
