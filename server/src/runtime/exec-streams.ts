// Long-lived commands in a sandbox whose output the host reads as it comes: a stream with backpressure (a
// download of the learner's files) and a followed process (the engine's event stream). Both as the visitor,
// both ended by timeout(1) inside the sandbox at the latest, since an exec cannot be killed through the API.
import type Docker from 'dockerode';
import { StdoutOfExec } from './exec-frames.js';
import { EXEC_CUT_GRACE_MS, type ExecStream, type FollowedProcess } from './runtime.js';

export async function execStream(container: Docker.Container, user: string, cmd: string[], opts: { timeoutMs: number }): Promise<ExecStream> {
  const timeoutS = Math.max(1, Math.ceil(opts.timeoutMs / 1000));
  const exec = await container.exec({
    Cmd: ['timeout', '-s', 'KILL', String(timeoutS), ...cmd],
    User: user,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout = stream.pipe(new StdoutOfExec());
  const timer = setTimeout(() => stream.destroy(), timeoutS * 1000 + EXEC_CUT_GRACE_MS);
  const ended = new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  }).finally(() => clearTimeout(timer));
  stream.on('error', (err) => stdout.destroy(err));
  return {
    stdout,
    exitCode: async () => {
      await ended;
      return (await exec.inspect().catch(() => null))?.ExitCode ?? -1;
    },
    stop: () => stream.destroy(),
  };
}

/** execStream, its output handed to onData as it comes (read at once: a followed command writes little). */
export async function followExec(container: Docker.Container, user: string, cmd: string[], onData: (chunk: Buffer) => void, opts: { timeoutMs: number }): Promise<FollowedProcess> {
  const run = await execStream(container, user, cmd, opts);
  run.stdout.on('data', onData);
  return { stop: run.stop, ended: run.exitCode().then(() => undefined) };
}
