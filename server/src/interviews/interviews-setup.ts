// The interview service as the app builds it: its store in berth.db, lessons to check a task against, the
// recordings to find a finished interview's, and its checks run after the candidate's commands.
import type Database from 'better-sqlite3';
import { HttpError } from '../errors.js';
import type { LessonService } from '../lessons/lesson-service.js';
import type { ScriptRunner } from '../lessons/run-check.js';
import type { StaffStore } from '../people/staff-store.js';
import type { SessionRecordings } from '../recordings/session-recordings.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { InterviewChecks } from './interview-checks.js';
import { InterviewStore } from './interview-store.js';
import { Interviews } from './interviews.js';

/** Registers what is told after each command a terminal finished. */
export type AfterCommand = (told: (sessionId: string) => void) => void;

export function setUpInterviews(d: {
  db: Database.Database;
  sessions: SessionManager;
  lessons: LessonService;
  staff: StaffStore;
  recordings: SessionRecordings;
  runScript: ScriptRunner;
  afterCommand: AfterCommand;
}): Interviews {
  const store = new InterviewStore(d.db);
  const checks = new InterviewChecks({ store, runScript: d.runScript, marker: (id, label) => d.recordings.marker(id, label) });
  d.afterCommand((id) => {
    if (d.sessions.get(id)?.terms?.kind === 'interview') void checks.onCommand(id);
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
    staffName: (id) => d.staff.nameOf(id) ?? '(a removed account)',
    recordingFile: (id) => d.recordings.sealedFile(id),
    sealedRecordings: () => d.recordings.sealedBySession(),
  });
  d.sessions.on('event', (id, event) => {
    if (event.type === 'status' && event.state === 'ended' && d.sessions.get(id)?.terms) interviews.sessionEnded(id);
  });
  return interviews;
}
