// The offline mirror's writable side (host/mirror.ts), started only while Berth pushes into it, as
// native/build-images.sh does, and under the same lock file, so an import never runs beside a build.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpAnswers } from '../host/health-probes.js';
import { MIRROR_USER, userIds } from '../host/service-users.js';

export interface MirrorWriterOptions {
  /** The writer's configuration (mirror-push.yml: the mirror's storage, writable, on the loopback). */
  config: string;
  /** host:port it listens on (127.0.0.1:5001). */
  addr: string;
  /** native/build-images.sh's lock ($BERTH_DATA/build/.lock). */
  lockFile: string;
  logFile: string;
  say: (line: string) => void;
}

export interface MirrorWriter {
  url: string;
  stop(): Promise<void>;
}

/** Holds the build lock, then starts the writer; stop() ends both. */
export async function startMirrorWriter(o: MirrorWriterOptions): Promise<MirrorWriter> {
  if (!fs.existsSync(o.config)) throw new Error(`${o.config} is missing: prepare the host first (npx berth prepare)`);
  const lock = await holdLock(o.lockFile, o.say);
  let writer: ChildProcess | undefined;
  const stop = async () => {
    if (writer && writer.exitCode === null) {
      const gone = new Promise((r) => writer!.once('exit', r));
      writer.kill('SIGTERM');
      await gone;
    }
    lock.release();
  };
  try {
    const url = `http://${o.addr}`;
    if (await httpAnswers({ url: `${url}/v2/` })) {
      throw new Error(`something already answers on ${o.addr} (a writer left by an interrupted build or import?): stop it and run again`);
    }
    fs.mkdirSync(path.dirname(o.logFile), { recursive: true });
    const out = fs.openSync(o.logFile, 'a');
    // As the mirror's own user, so that everything in its storage stays that user's.
    const ids = await userIds(MIRROR_USER.name).catch(() => undefined);
    writer = spawn('docker-registry', ['serve', o.config], { stdio: ['ignore', out, out], ...(ids && { uid: ids.uid, gid: ids.gid, cwd: '/' }) });
    fs.closeSync(out);
    for (let i = 0; i < 100 && writer.exitCode === null; i++) {
      if (await httpAnswers({ url: `${url}/v2/` })) return { url, stop };
      await sleep(100);
    }
    throw new Error(`the mirror's writable registry on ${o.addr} did not start (log: ${o.logFile})`);
  } catch (err) {
    await stop();
    throw err;
  }
}

/** flock(1) on the lock file, held by a child process until release() closes its stdin. */
async function holdLock(file: string, say: (line: string) => void): Promise<{ release(): void }> {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const child = spawn('flock', [file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = setTimeout(() => say('an image build or import is running; waiting for it'), 1000);
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`could not lock ${file} (flock exit ${code})`)));
      child.once('error', reject);
    });
  } finally {
    clearTimeout(waiting);
  }
  return { release: () => child.stdin.end() };
}
