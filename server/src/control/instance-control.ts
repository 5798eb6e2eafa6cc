// One server per instance, and `berth stop`: the running server of an instance listens on a unix socket
// of its own under /run/berth/control (a root-only folder). A connect that succeeds means a server runs,
// and it answers who it is; a refused one is a socket left by a server that died (kill -9): taken over.
// So the lock cannot go stale, and the same socket carries stop requests.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Config } from '../config.js';

export const CONTROL_DIR = '/run/berth/control';
const DEFAULT_ENGINE = '/run/berth/engine.sock';
const MAX_LINE = 1024;

export interface ServerInfo {
  pid: number;
  port: number;
  instance: string;
}

export type ControlRequest = { type: 'who' } | { type: 'stop'; endSessions: boolean };
type ControlAnswer = ({ type: 'server' } & ServerInfo) | { type: 'stopping'; endSessions: boolean } | { type: 'error'; message: string };

/** What a server does when asked to stop; resolves when it is about to exit. */
export type StopHandler = (endSessions: boolean) => Promise<void>;

export class InstanceTakenError extends Error {
  constructor(readonly running: ServerInfo) {
    super(
      `Berth instance "${running.instance}" is already served by pid ${running.pid} on port ${running.port}. ` +
        `Stop it first (npx berth stop), or give this server another BERTH_INSTANCE.`,
    );
  }
}

/** An instance is its name on its engine: two engines may each have a "main". */
export function controlSocketPath(config: Pick<Config, 'instance' | 'engineSocket'>): string {
  const engine = config.engineSocket === DEFAULT_ENGINE ? '' : `@${crypto.createHash('sha256').update(config.engineSocket).digest('hex').slice(0, 8)}`;
  return path.join(CONTROL_DIR, `${config.instance}${engine}.sock`);
}

export interface InstanceClaim {
  /** The port this server listens on, once known (for `who`). */
  setPort(port: number): void;
  /** Installs what a stop request does (until then a stop is refused: the server is still starting). */
  onStop(handler: StopHandler): void;
  /** Stops listening (removes the socket file); a stop request's connection stays until the process exits. */
  release(): void;
}

/** Takes the instance for this process, or throws InstanceTakenError naming the server that has it. */
export async function claimInstance(config: Pick<Config, 'instance' | 'engineSocket' | 'port'>): Promise<InstanceClaim> {
  const file = controlSocketPath(config);
  try {
    fs.mkdirSync(CONTROL_DIR, { recursive: true, mode: 0o700 });
    fs.chmodSync(CONTROL_DIR, 0o700);
  } catch (err) {
    throw new Error(`Berth keeps its control socket in ${CONTROL_DIR} (root only) and could not make it: ${(err as Error).message}. Run it as root.`);
  }
  const info: ServerInfo = { pid: process.pid, port: config.port, instance: config.instance };
  let stopHandler: StopHandler | undefined;
  let stopping = false;
  const server = net.createServer((socket) => {
    readRequest(socket, (req) => {
      if (req.type === 'who') return void socket.end(`${JSON.stringify({ type: 'server', ...info } satisfies ControlAnswer)}\n`);
      if (!stopHandler) return void socket.end(`${JSON.stringify({ type: 'error', message: 'the server is still starting: try again in a moment' } satisfies ControlAnswer)}\n`);
      socket.write(`${JSON.stringify({ type: 'stopping', endSessions: req.endSessions } satisfies ControlAnswer)}\n`);
      // The connection stays open: the asker learns the server is gone when the process exits (or the handler returns).
      if (!stopping) {
        stopping = true;
        void stopHandler(req.endSessions).finally(() => socket.end());
      }
    });
  });
  server.on('error', () => {});

  for (let attempt = 0; ; attempt++) {
    try {
      await listen(server, file);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt > 2) throw err;
      const running = await askWho(file);
      if (running) throw new InstanceTakenError(running);
      // Nobody answers: a server that died left it. Take it over.
      fs.rmSync(file, { force: true });
    }
  }
  fs.chmodSync(file, 0o600);
  // Two servers taking a stale socket over at the same moment: the one whose socket is not there lost.
  const owner = await askWho(file);
  if (owner && owner.pid !== process.pid) {
    // Not closed: closing would unlink the path, which is now the winner's socket.
    server.unref();
    throw new InstanceTakenError(owner);
  }
  return {
    setPort: (port) => (info.port = port),
    onStop: (handler) => (stopHandler = handler),
    // Closing removes the socket file (libuv unlinks it); open stop requests stay until the process exits.
    release: () => void server.close(),
  };
}

/** The server running this instance, or null when none answers. */
export async function runningServer(config: Pick<Config, 'instance' | 'engineSocket'>): Promise<ServerInfo | null> {
  return askWho(controlSocketPath(config));
}

/**
 * Asks the instance's running server to stop (keeping or ending its sessions) and resolves once it is gone.
 * Resolves null when no server runs.
 */
export async function requestStop(config: Pick<Config, 'instance' | 'engineSocket'>, endSessions: boolean, onAnswer: (a: ControlAnswer) => void = () => {}): Promise<ServerInfo | null> {
  const file = controlSocketPath(config);
  const running = await askWho(file);
  if (!running) return null;
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect(file);
    let buffered = '';
    socket.on('connect', () => socket.write(`${JSON.stringify({ type: 'stop', endSessions } satisfies ControlRequest)}\n`));
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
        const answer = JSON.parse(buffered.slice(0, i)) as ControlAnswer;
        buffered = buffered.slice(i + 1);
        onAnswer(answer);
        if (answer.type === 'error') reject(new Error(answer.message));
      }
    });
    socket.on('close', () => resolve());
    socket.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(err)));
  });
  return running;
}

function askWho(file: string): Promise<ServerInfo | null> {
  return new Promise((resolve) => {
    const socket = net.connect(file);
    let text = '';
    const done = (v: ServerInfo | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    // A live server answers at once; one stopped (SIGSTOP) still holds the instance.
    const timer = setTimeout(() => done({ pid: 0, port: 0, instance: '(a server that does not answer)' }), 5000);
    socket.on('connect', () => socket.write(`${JSON.stringify({ type: 'who' } satisfies ControlRequest)}\n`));
    socket.on('data', (chunk) => {
      text += chunk.toString('utf8');
      if (!text.includes('\n')) return;
      try {
        const a = JSON.parse(text.slice(0, text.indexOf('\n'))) as ControlAnswer;
        done(a.type === 'server' ? { pid: a.pid, port: a.port, instance: a.instance } : null);
      } catch {
        done(null);
      }
    });
    socket.on('error', () => done(null));
  });
}

function readRequest(socket: net.Socket, handle: (req: ControlRequest) => void): void {
  let text = '';
  socket.on('error', () => {});
  socket.on('data', (chunk) => {
    text += chunk.toString('utf8');
    if (text.length > MAX_LINE) return void socket.destroy();
    const end = text.indexOf('\n');
    if (end < 0) return;
    socket.removeAllListeners('data');
    let req: ControlRequest | null = null;
    try {
      const v = JSON.parse(text.slice(0, end)) as Partial<ControlRequest> & { endSessions?: unknown };
      if (v.type === 'who') req = { type: 'who' };
      else if (v.type === 'stop' && typeof v.endSessions === 'boolean') req = { type: 'stop', endSessions: v.endSessions };
    } catch {
      // answered below
    }
    if (!req) return void socket.end(`${JSON.stringify({ type: 'error', message: 'unknown request' } satisfies ControlAnswer)}\n`);
    handle(req);
  });
}

function listen(server: net.Server, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(file, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
