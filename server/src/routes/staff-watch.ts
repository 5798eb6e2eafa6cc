// An admin's view of the sessions live now, and a websocket on any one's first terminal (an interviewer's or
// a teacher's: on their own candidates' or students' only): read-only, or joined to type. The session's own page is told, by name, who is watching and who can type (the owner always knows).
import { CloseCode, STAFF_JOIN_PARAM, STAFF_LIVE_SESSIONS_PATH, STAFF_WATCH_PATH, type LiveSessionSummary } from '@berth/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { staffOnly, type StaffAuth } from '../people/staff-auth.js';
import type { StaffAccount } from '../people/staff-store.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { StaffWatchBridge } from '../terminal/staff-watch-bridge.js';
import type { TerminalHosts } from '../terminal/terminal-hosts.js';
import { sessionIdParam } from './sessions.js';
import { websocketOnly } from './websocket-only.js';

type Deps = {
  auth: StaffAuth;
  sessions: SessionManager;
  hosts: TerminalHosts;
  /** Whether a staff member other than an admin may watch this session (their candidate's, their student's). */
  mayWatch(staff: StaffAccount, sessionId: string): Promise<boolean>;
};

export function staffWatchRoutes(app: FastifyInstance, deps: Deps) {
  const { auth, sessions, hosts } = deps;
  // Asked before the upgrade: the socket's handler must attach its listeners at once, or a first message is lost.
  const allowed = new WeakMap<FastifyRequest, boolean>();

  app.get(STAFF_LIVE_SESSIONS_PATH, { onRequest: staffOnly(auth, 'admin') }, async (_req, reply): Promise<{ sessions: LiveSessionSummary[] }> => {
    reply.header('cache-control', 'no-store');
    const live = sessions.live().filter((s) => s.state === 'ready');
    return {
      sessions: live.map((s) => {
        const { count, last } = hosts.history.summary(s.id);
        return {
          id: s.id,
          startedAt: new Date(s.createdAt).toISOString(),
          expiresAt: new Date(s.expiresAt).toISOString(),
          lesson: s.lesson ?? null,
          commands: count,
          lastCommand: last,
          watchers: hosts.staffWatching(s.id).names,
        };
      }),
    };
  });

  app.route<{ Params: { id: string } }>({
    method: 'GET',
    url: STAFF_WATCH_PATH,
    schema: { params: sessionIdParam },
    onRequest: staffOnly(auth, 'interviewer', 'teacher'),
    preHandler: async (req) => {
      const { id } = req.params as { id: string };
      allowed.set(req, req.staff!.role === 'admin' || (await deps.mayWatch(req.staff!, id)));
    },
    handler: websocketOnly("a session's terminal as staff see it"),
    wsHandler: (socket, req) => {
      if (!req.server.publicOrigin.allows(req.headers.origin)) {
        req.log.info({ origin: req.headers.origin }, 'staff watch refused: its page is not at BERTH_PUBLIC_URL');
        return socket.close(CloseCode.unauthorized, 'cross-origin connections are refused');
      }
      const session = sessions.get(req.params.id);
      // To anyone but an admin, a session that is not theirs to watch is no session at all.
      const theirs = allowed.get(req) === true;
      if (!session || session.state === 'ended' || !theirs) return socket.close(CloseCode.notFound, 'no such session is live');
      const join = (req.query as Record<string, unknown> | undefined)?.[STAFF_JOIN_PARAM] === '1';
      req.log.info({ staff: req.staff!.email, session: session.id, join }, join ? 'staff joined a terminal' : 'staff watching a terminal');
      new StaffWatchBridge(socket, session, req.staff!.name, sessions, hosts, join).start();
    },
  });
}
