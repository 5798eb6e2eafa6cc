// Everything staff do, registered in one place: accounts and sign-in, interviews, classes, watching a
// terminal (an admin any; a teacher or interviewer their own students' or candidates'), and recordings.
import type { FastifyInstance } from 'fastify';
import { setUpClasses } from '../classes/classes-setup.js';
import { setUpInterviews, type AfterCommand } from '../interviews/interviews-setup.js';
import type { LessonService } from '../lessons/lesson-service.js';
import type { ScriptRunner } from '../lessons/run-check.js';
import type { OidcConfig } from '../people/oidc-config.js';
import { OidcSignIn } from '../people/oidc-sign-in.js';
import { StaffAuth } from '../people/staff-auth.js';
import type { SessionRecordings } from '../recordings/session-recordings.js';
import type { SandboxPool } from '../sessions/sandbox-pool.js';
import type { SessionManager } from '../sessions/session-manager.js';
import type { Stores } from '../store/stores.js';
import type { TerminalHosts } from '../terminal/terminal-hosts.js';
import { classRoutes } from './classes.js';
import { interviewRoutes } from './interviews.js';
import { staffRecordingRoutes } from './staff-recordings.js';
import { staffWatchRoutes } from './staff-watch.js';
import { staffOidcRoutes } from './staff-oidc.js';
import { staffRoutes } from './staff.js';

export interface StaffFeatureDeps {
  stores: Pick<Stores, 'staff' | 'classes' | 'interviews'>;
  sessions: SessionManager;
  lessons: LessonService;
  hosts: TerminalHosts;
  /** Grown for a class getting ready. */
  pool: SandboxPool;
  recordings: SessionRecordings;
  /** Runs an interview's checks in the candidate's sandbox. */
  runScript: ScriptRunner;
  afterCommand: AfterCommand;
  publicUrl: string | null;
  /** BERTH_OIDC_*: staff sign in at the school's provider too. */
  oidc: OidcConfig | null;
  /** BERTH_RECORD=terminals. */
  everyTerminal: boolean;
}

export function staffFeatures(app: FastifyInstance, d: StaffFeatureDeps): void {
  const { staff } = d.stores;
  app.decorateRequest('staff', null);
  const secure = d.publicUrl?.startsWith('https:') ?? false;
  const auth = new StaffAuth(staff, secure);
  staffRoutes(app, { auth, store: staff });
  staffOidcRoutes(app, { auth, oidc: d.oidc ? new OidcSignIn(d.oidc, staff, auth) : null, secure });
  const interviews = setUpInterviews({ store: d.stores.interviews, log: app.log, sessions: d.sessions, lessons: d.lessons, staff, recordings: d.recordings, runScript: d.runScript, afterCommand: d.afterCommand });
  interviewRoutes(app, { auth, interviews, publicUrl: d.publicUrl });
  const classes = setUpClasses({ store: d.stores.classes, sessions: d.sessions, lessons: d.lessons, staff, hosts: d.hosts, pool: d.pool });
  classRoutes(app, { auth, classes });
  staffWatchRoutes(app, { auth, sessions: d.sessions, hosts: d.hosts, mayWatch: async (who, id) => (await interviews.mayWatch(who, id)) || (await classes.mayWatch(who, id)) });
  staffRecordingRoutes(app, { auth, recordings: d.recordings, everyTerminal: d.everyTerminal });
}
