// A lesson's check (or set-up) script, run in the learner's sandbox as the learner. The learner is the
// same uid as the script, so they can write into its output or hold it open: the runtime cuts such an
// exec, the check counts as not met, the log says why and so does the learner's terminal.
import type { SandboxRuntime } from '../runtime/runtime.js';
import type { Logger } from '../sessions/session-manager.js';
import type { LessonHost } from './lesson-service.js';

/** A check's output kept at most: checks print little; more is something else writing into it. */
export const CHECK_OUTPUT_BYTES = 64 * 1024;

/** Runs a script in a session's sandbox as its visitor; the exit status, or -1 if it was cut. */
export type ScriptRunner = LessonHost['runScript'];

/** Whose check it is, in what the visitor reads when one is cut: a lesson step's, or an interview's. */
export type CheckOwner = 'lesson' | 'interview';

export function checkRunner(runtime: SandboxRuntime, log: Logger, tell: (sessionId: string, message: string) => void, owner: CheckOwner = 'lesson'): ScriptRunner {
  return async (sessionId, script, timeoutMs) => {
    const r = await runtime.exec(sessionId, ['bash', '-c', script], { timeoutMs, maxOutputBytes: CHECK_OUTPUT_BYTES, served: true });
    if (!r.cut) return r.exitCode;
    const why =
      r.cut === 'output-limit'
        ? `its output passed ${CHECK_OUTPUT_BYTES / 1024} KiB`
        : `it was still open well past its ${Math.ceil(timeoutMs / 1000)} s time limit`;
    log.warn({ session: sessionId, cut: r.cut }, `${owner === 'lesson' ? 'a lesson' : 'an interview'} check was stopped: ${why} (something in the session wrote into it or held it open)`);
    const notDone = owner === 'lesson' ? 'The step is not marked done.' : 'The check is not counted as met this time; it runs again after your next command.';
    tell(sessionId, `${owner === 'lesson' ? 'A lesson' : 'An interview'} check was stopped because ${why}: something in your session wrote into it or held it open. ${notDone}`);
    return -1;
  };
}
