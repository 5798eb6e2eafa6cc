import type { SandboxRuntime } from '../runtime/runtime.js';
import type { Logger, SessionManager } from '../sessions/session-manager.js';

/** At start: removes every sandbox of this instance that no live session owns (left by a crash). */
export async function sweepOrphans(runtime: SandboxRuntime, sessions: SessionManager, log: Logger): Promise<string[]> {
  const removed = await runtime.sweep(new Set(sessions.live().map((s) => s.id)));
  if (removed.length) log.info({ removed }, `removed ${removed.length} orphaned sandbox(es)`);
  return removed;
}
