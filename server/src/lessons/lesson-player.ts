// `berth lessons test`: plays every lesson in a real sandbox through the real terminal path, as a learner
// would: for each step, assert its goals are NOT met, type its solution, and wait for the step to tick.
// With `skip`, the chosen steps are skipped instead (Skip runs their `solve`), and the steps after them
// must still pass: a skip pass proves each solve leaves what later steps need. With `from`, play starts at
// that step in a new sandbox: the server redoes the earlier steps (every solve in order) first.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerEvent, SetLessonResponse } from '@berth/shared';
import type { Berth } from '../app.js';
import { createSession, TerminalClient } from '../tools/terminal-client.js';
import type { Lesson } from './lesson.js';

export interface PlayResult {
  lesson: string;
  ok: boolean;
  steps: number;
  ms: number;
  failure?: string;
  /** The end of the terminal's screen when it failed, for the one who reads the log. */
  screen?: string;
}

const STEP_TIMEOUT_MS = 60_000;
const READING_MS = 1_000;
const STARTS_IN_BACKGROUND = /^docker\s+((container\s+)?run\s(.*\s)?(-[a-z]*d[a-z]*|--detach)\s|(container\s+)?(start|restart)\s|compose\s(.*\s)?up\b)/;
const QUIET_MS = 2_500;

/** onVerdict: for each step, ms from its last command's end to its tick (both as the client saw them). */
export async function playLesson(
  berth: Berth,
  url: string,
  lesson: Lesson,
  onVerdict: (step: string, latencyMs: number) => void = () => {},
  how: { skip?: (index: number) => boolean; from?: number } = {},
): Promise<PlayResult> {
  const skip = how.skip ?? (() => false);
  const started = Date.now();
  let screenEnd = (): string | undefined => undefined;
  const result = (ok: boolean, steps: number, failure?: string): PlayResult => ({
    lesson: lesson.id,
    ok,
    steps,
    ms: Date.now() - started,
    ...(failure ? { failure, screen: screenEnd() } : {}),
  });
  const s = await createSession({ url }, { lesson: lesson.id, lang: 'en' });
  const term = await TerminalClient.connect({ url }, s);
  screenEnd = () => term.text.slice(-800);
  let stepsDone = 0;
  try {
    await term.ready(60_000);
    for (const [index, step] of lesson.steps.entries()) {
      if (index < (how.from ?? 0)) continue;
      const call = (method: string, path: string) =>
        fetch(`${url}/api/sessions/${s.id}/lesson${path}`, {
          method,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
          body: JSON.stringify({ lesson: lesson.id, step: step.id, lang: 'en' }),
        });
      const res = await call('PUT', '');
      if (res.status !== 200) return result(false, stepsDone, `step ${step.id}: PUT lesson answered ${res.status} ${await res.text()}`);
      // Opened first past the start, the earlier steps were redone (their solves): none may have failed.
      const notice = ((await res.json()) as SetLessonResponse).notice;
      if (notice) return result(false, stepsDone, `step ${step.id}: ${notice}`);
      if (skip(index)) {
        const skipped = await call('POST', '/skip');
        if (skipped.status !== 200) return result(false, stepsDone, `step ${step.id}: Skip answered ${skipped.status} ${await skipped.text()}`);
        stepsDone++;
        continue;
      }
      if (await berth.lessons.currentStepMet(s.id)) return result(false, stepsDone, `step ${step.id}: its goals are met before its solution ran`);
      const seen = term.events.length;
      for (const command of step.solution) {
        const before = term.events.length;
        term.type(`${command}\r`);
        // A command typed inside a nested shell (docker run -it, docker attach) reports nothing of its
        // own: like a learner, move on once it finished or the screen has been still for a moment.
        await term.waitFor(
          () => term.events.slice(before).some((e) => e.type === 'command' && sameCommand(e.line, command)) || term.quietFor(QUIET_MS),
          STEP_TIMEOUT_MS,
          `the solution command "${command}" to finish`,
        );
        // A learner reads what a container's start printed before typing on; a server started in the
        // background is not listening the instant `docker run -d` returns (nginx: 350 ms on a busy host,
        // where a curl at once got "Connection reset by peer").
        if (STARTS_IN_BACKGROUND.test(command)) await sleep(READING_MS);
      }
      const isTick = (e: ServerEvent) => e.type === 'step' && e.step === step.id && e.done;
      try {
        const tick = await term.waitFor(() => term.events.slice(seen).find(isTick), STEP_TIMEOUT_MS, 'the step to tick');
        const lastCommand = term.events.slice(seen, term.events.indexOf(tick)).filter((e) => e.type === 'command').at(-1);
        if (lastCommand) onVerdict(step.id, term.arrivedAt.get(tick)! - term.arrivedAt.get(lastCommand)!);
      } catch {
        const last = term.events.slice(seen).filter((e) => e.type === 'command').map((e) => (e.type === 'command' ? `${e.line} -> exit ${e.exit}` : ''));
        return result(false, stepsDone, `step ${step.id}: goals not met after its solution (commands seen: ${last.join('; ') || 'none'})`);
      }
      stepsDone++;
    }
    return result(true, stepsDone);
  } catch (err) {
    return result(false, stepsDone, (err as Error).message.split('\n')[0]);
  } finally {
    await term.close();
    await berth.sessions.end(s.id, 'ended-by-user');
  }
}

const sameCommand = (a: string, b: string) => a.replace(/\s+/g, ' ').trim() === b.replace(/\s+/g, ' ').trim();
