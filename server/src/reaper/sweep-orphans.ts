import type { SandboxRuntime } from '../runtime/runtime.js';
import type { Logger } from '../sessions/session-manager.js';

/** At start: removes every sandbox of this instance that no session holds (left by a crash). */
export async function sweepOrphans(runtime: SandboxRuntime, held: Set<string>, log: Logger): Promise<string[]> {
  const removed = await runtime.sweep(held);
  if (removed.length) log.info({ removed }, `removed ${removed.length} orphaned sandbox(es)`);
  return removed;
}
