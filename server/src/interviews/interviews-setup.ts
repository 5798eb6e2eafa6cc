// The interview service as the app builds it: its store, lessons to check a task against, the
// recordings to find a finished interview's, and its checks run after the candidate's commands.
import { HttpError } from '../errors.js';
import type { LessonService } from '../lessons/lesson-service.js';
import type { ScriptRunner } from '../lessons/run-check.js';
import { staffName, type StaffStore } from '../people/staff-store.js';
import type { SessionRecordings } from '../recordings/session-recordings.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { InterviewChecks } from './interview-checks.js';
import type { InterviewStore } from './interview-store.js';
import { Interviews } from './interviews.js';

/** Registers what is told after each command a terminal finished. */
export type AfterCommand = (told: (sessionId: string) => void) => void;

export function setUpInterviews(d: {
  store: InterviewStore;
  log: { error(obj: object, msg?: string): void };
  sessions: SessionManager;
  lessons: LessonService;
  staff: StaffStore;
  recordings: SessionRecordings;
  runScript: ScriptRunner;
  afterCommand: AfterCommand;
}): Interviews {
  const { store } = d;
  const checks = new InterviewChecks({ store, runScript: d.runScript, marker: (id, label) => d.recordings.marker(id, label) });
  d.afterCommand((id) => {
    if (d.sessions.get(id)?.terms?.kind !== 'interview') return;
    checks.onCommand(id).catch((err: Error) => d.log.error({ session: id, err: err.message }, "could not read or save the interview's checks"));
  });
  const interviews = new Interviews({
    store,
    sessions: d.sessions,
    requireLesson: (id) => {
      try {
        d.lessons.get(id);
      } catch {
        throw new HttpError(400, `There is no lesson "${id}" on this server.`);
      }
    },
    staffName: staffName(d.staff),
    recordingFile: (id) => d.recordings.sealedFile(id),
    sealedRecordings: () => d.recordings.sealedBySession(),
  });
  d.sessions.on('event', (id, event) => {
    if (event.type !== 'status' || event.state !== 'ended' || !d.sessions.get(id)?.terms) return;
    interviews.sessionEnded(id).catch((err: Error) => d.log.error({ session: id, err: err.message }, 'could not save that the interview ended'));
  });
  return interviews;
}
