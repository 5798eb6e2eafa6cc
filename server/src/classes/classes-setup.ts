// The class service as the app builds it: its store, the lessons its steps come from.
import { HttpError } from '../errors.js';
import type { LessonService } from '../lessons/lesson-service.js';
import { staffName, type StaffStore } from '../people/staff-store.js';
import type { SandboxPool } from '../sessions/sandbox-pool.js';
import type { SessionManager } from '../sessions/session-manager.js';
import type { TerminalHosts } from '../terminal/terminal-hosts.js';
import type { ClassStore } from './class-store.js';
import { Classes } from './classes.js';

export function setUpClasses(d: {
  store: ClassStore;
  sessions: SessionManager;
  lessons: LessonService;
  staff: StaffStore;
  hosts: TerminalHosts;
  pool: SandboxPool;
}): Classes {
  return new Classes({
    store: d.store,
    sessions: d.sessions,
    lessonSteps: (id, lang) => {
      let view;
      try {
        view = d.lessons.view(id, lang);
      } catch {
        throw new HttpError(400, `There is no lesson "${id}" on this server.`);
      }
      return { title: view.title, steps: view.steps.map((s) => ({ id: s.id, title: s.title })) };
    },
    progress: (learner) => d.lessons.progress(learner),
    skippedIn: (id) => d.lessons.skippedIn(id),
    placeIn: (id) => d.lessons.placeIn(id),
    redoStep: (id) => d.lessons.redoStep(id),
    lastCommand: (id) => d.hosts.history.summary(id).last,
    staffName: staffName(d.staff),
    pool: d.pool,
  });
}
