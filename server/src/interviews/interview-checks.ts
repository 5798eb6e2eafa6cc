// An interview's checks, run in the candidate's sandbox after each of their commands until each is met (like
// a lesson's `check` goals): when one first exits 0 its time is kept and the recording gets a marker, so the
// review's timeline shows it at that moment. One round at a time per session; commands finished meanwhile
// are answered by one more round.
import type { InterviewStore } from './interview-store.js';

/** A check script's time limit, like a lesson check's default. */
const CHECK_TIMEOUT_MS = 20_000;

export interface InterviewCheckDeps {
  store: InterviewStore;
  /** Runs a script in the session's sandbox as the candidate; its exit status (-1 when cut). */
  runScript(sessionId: string, script: string, timeoutMs: number): Promise<number>;
  /** Marks the recording: the check of this title was met now. */
  marker(sessionId: string, label: string): void;
  now?: () => number;
}

export class InterviewChecks {
  private readonly rounds = new Map<string, { again: boolean; done: Promise<void> }>();
  private readonly now: () => number;

  constructor(private readonly d: InterviewCheckDeps) {
    this.now = d.now ?? Date.now;
  }

  /** A command finished in a session: if it is a working interview's with checks unmet, they run. */
  onCommand(sessionId: string): Promise<void> {
    const running = this.rounds.get(sessionId);
    if (running) {
      running.again = true;
      return running.done;
    }
    // Registered before the row is read: a second command meanwhile joins this round, never starts another.
    const round = { again: false, done: Promise.resolve() };
    round.done = (async () => {
      do {
        round.again = false;
        await this.round(sessionId);
      } while (round.again);
    })().finally(() => this.rounds.delete(sessionId));
    this.rounds.set(sessionId, round);
    return round.done;
  }

  private async round(sessionId: string): Promise<void> {
    const row = await this.d.store.bySession(sessionId);
    if (!row || row.endedAt !== null || !row.checks.some((c) => c.metAt === null)) return;
    let met = false;
    for (const c of row.checks) {
      if (c.metAt !== null) continue;
      if ((await this.d.runScript(sessionId, c.check, CHECK_TIMEOUT_MS).catch(() => -1)) !== 0) continue;
      c.metAt = this.now();
      met = true;
      this.d.marker(sessionId, `check ${c.title} met`);
    }
    if (met) await this.d.store.saveChecks(row.id, row.checks);
  }
}
