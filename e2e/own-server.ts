// A Berth server of a spec's own (a child process the spec configures, stops and starts), beside the
// config's webServer: for what needs its own settings or a restart.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { expect } from '@playwright/test';

const repo = path.resolve(import.meta.dirname, '..');

/** Starts server/src/server.ts with env on top of this process's, and waits until it answers at url. */
export async function startOwnServer(url: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/server.ts'], { cwd: repo, env: { ...process.env, ...env }, stdio: 'inherit' });
  await expect
    .poll(async () => {
      // Another server answering on the port (this one failed to bind) must not pass for this one.
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} before it answered`);
      return (await fetch(`${url}/api/health`).catch(() => null))?.status ?? 0;
    }, { timeout: 60_000 })
    .toBe(200);
  return child;
}

/** Sends signal and resolves with the exit code once the server has exited. */
export function stopOwnServer(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}
