import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly result: CommandResult,
  ) {
    super(`\`${command}\` failed (exit ${result.code}): ${(result.stderr || result.stdout).trim().slice(0, 2000)}`);
  }
}

/**
 * Runs a host command without a shell; rejects with CommandError on a non-zero exit unless allowFailure.
 * `ownGroup`: in a process group of its own, so a signal sent to the server's whole group (Ctrl-C on `npm start`,
 * a supervisor stopping it) does not cut it short: the server finishes such work as it stops. For work on the
 * host that must not stop halfway (a session disk's mount and unmount).
 */
export function run(
  cmd: string,
  args: string[],
  opts: { allowFailure?: boolean; input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; ownGroup?: boolean } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], detached: opts.ownGroup ?? false });
    let stdout = '';
    let stderr = '';
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', (err) => {
      clearTimeout(timer);
      const result = { code: 127, stdout, stderr: String(err.message) };
      if (opts.allowFailure) resolve(result);
      else reject(new CommandError([cmd, ...args].join(' '), result));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const result = { code: code ?? 1, stdout, stderr };
      if (result.code !== 0 && !opts.allowFailure) reject(new CommandError([cmd, ...args].join(' '), result));
      else resolve(result);
    });
    child.stdin.on('error', () => {}); // the command may exit without reading its input
    child.stdin.end(opts.input ?? '');
  });
}

export async function commandExists(cmd: string): Promise<boolean> {
  return (await run('sh', ['-c', `command -v ${cmd}`], { allowFailure: true })).code === 0;
}
