import type { SessionManager } from '../sessions/session-manager.js';

/** Ends sessions past their TTL or idle timeout every intervalMs. Returns a stop function. */
export function startReaper(sessions: SessionManager, intervalMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void sessions.expire().finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
