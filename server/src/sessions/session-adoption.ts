// After a restart: the sessions the store lists are taken back when their sandboxes still run with their inner
// engine ready. The others end with a reason their page shows when it reconnects.
import type { SandboxRuntime } from '../runtime/runtime.js';
import type { SessionStore } from '../store/session-store.js';
import { fromStoredSession, type Session } from './session.js';
import type { Logger } from './session-manager.js';

const SANDBOX_DIED_MESSAGE = 'Your sandbox stopped while the Berth server was restarting, so this session ended. Press Start for a new one.';
const SANDBOX_GONE_MESSAGE = 'The Berth server restarted before your sandbox was ready, so this session ended. Press Start for a new one.';

export interface AdoptionHost {
  known(id: string): boolean;
  /** A stored session, taken back or ended, joins the manager's (an ended one is remembered for its page). */
  add(s: Session): void;
  /** An ended one's row goes. */
  removeRow(id: string): void;
  /** An ended one is forgotten after a while. */
  forgetLater(id: string): void;
}

export async function adoptStoredSessions(store: SessionStore, runtime: SandboxRuntime, instance: string, host: AdoptionHost, log: Logger): Promise<string[]> {
  const sandboxes = new Set(await runtime.listSandboxes());
  const adopted: string[] = [];
  for (const row of await store.all(instance)) {
    if (host.known(row.id)) continue;
    const s = fromStoredSession(row);
    host.add(s);
    if (sandboxes.has(row.id) && (await runtime.isReady(row.id).catch(() => false))) {
      adopted.push(s.id);
      continue;
    }
    // Ended without end(): nobody listens yet, and the orphan sweep that follows removes what is left.
    Object.assign(s, { state: 'ended', endReason: 'host-restart', ready: Promise.resolve(false) });
    s.endMessage = sandboxes.has(row.id) ? SANDBOX_DIED_MESSAGE : SANDBOX_GONE_MESSAGE;
    host.removeRow(s.id);
    host.forgetLater(s.id);
    log.warn({ session: s.id, sandbox: sandboxes.has(row.id) ? 'not running' : 'gone' }, 'a stored session could not be taken back');
  }
  if (adopted.length) log.info({ adopted }, `re-adopted ${adopted.length} session(s)`);
  return adopted;
}
