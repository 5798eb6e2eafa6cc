// The proof that a host works: one real sandbox (an instance of its own, "canary"), `docker run --rm
// hello-world` in it as the visitor, then removed. Daemons that answer are not enough: on a fresh host every
// part answered while no sandbox could start. A failure becomes one paragraph for the operator (what failed,
// the likely cause, the command that fixes it); the engine's and the sandbox's full words go to a log file.
import fs from 'node:fs';
import path from 'node:path';
import { createRuntime, createSandboxRuntime } from '../app.js';
import type { Config } from '../config.js';
import type { DockerRuntimeOptions } from '../runtime/docker-runtime.js';
import { newSessionId } from '../sessions/session-manager.js';
import { hostPaths } from './host-services.js';
import { diagnoseStartFailure, hostFacts, type StartDiagnosis } from './start-diagnosis.js';

export const CANARY_INSTANCE = 'canary';

export type CanaryResult = { ok: true; ms: number } | { ok: false; paragraph: string; logFile: string; diagnosis: StartDiagnosis };

export class CanaryFailedError extends Error {}

/** overrides: runtime options to differ from the host's (tests force a failure this way). */
export async function runCanary(config: Config, overrides: Partial<DockerRuntimeOptions> = {}): Promise<CanaryResult> {
  // A first start right after the images were built (cold caches) may be slow: that is not what this proves.
  const readyTimeoutMs = Math.max(config.readyTimeoutMs, 90_000);
  const runtime = config.runtime === 'lxd' && Object.keys(overrides).length === 0
    ? createSandboxRuntime({ ...config, instance: CANARY_INSTANCE, readyTimeoutMs })
    : createRuntime({ ...config, instance: CANARY_INSTANCE }, { readyTimeoutMs, ...overrides });
  const id = newSessionId();
  const started = Date.now();
  let failure: string;
  try {
    await runtime.createSandbox(id);
    const hello = await runtime.exec(id, ['docker', 'run', '--rm', 'hello-world'], { timeoutMs: 60_000 });
    if (hello.exitCode === 0) return { ok: true, ms: Date.now() - started };
    failure = `docker run hello-world: exit code ${hello.exitCode}${hello.timedOut ? ' (timed out after 60 s)' : ''}\n${hello.output}`;
  } catch (err) {
    failure = `starting the sandbox: ${(err as Error).message}`;
  } finally {
    await runtime.destroySandbox(id).catch(() => {});
  }
  const facts = hostFacts(config, overrides.tunDevice);
  const diagnosis = diagnoseStartFailure(failure, facts);
  const logFile = path.join(hostPaths(config).logs, `canary-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.writeFileSync(logFile, [`Berth canary sandbox ${id}, ${new Date().toISOString()}`, `host: ${JSON.stringify(facts)}`, `diagnosis: ${JSON.stringify(diagnosis)}`, '', failure, ''].join('\n'));
  const stage = failure.startsWith('docker run') ? 'started, but could not run "docker run hello-world"' : 'could not start';
  const paragraph =
    `A test sandbox ${stage}, so visitors would not get working sandboxes either: ${diagnosis.cause}. ` +
    `Likely cause: ${diagnosis.likely}. Fix: ${diagnosis.fix}. The full output is in ${logFile}.`;
  return { ok: false, paragraph, logFile, diagnosis };
}

/** For set-up and `berth check`: says how long the canary took, or throws its paragraph. */
export async function requireWorkingSandbox(config: Config, say: (line: string) => void): Promise<void> {
  say('starting a test sandbox and running hello-world in it');
  const result = await runCanary(config);
  if (!result.ok) throw new CanaryFailedError(result.paragraph);
  say(`a sandbox started and ran hello-world in ${(result.ms / 1000).toFixed(1)} s: visitors can get working sandboxes`);
}
