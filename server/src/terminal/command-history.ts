// The commands a session ran, from every one of its terminals, in the order they finished: what the end
// screen offers to download. Bounded, since a visitor can run commands in a loop.

export const HISTORY_MAX_COMMANDS = 2000;
export const HISTORY_MAX_BYTES = 256 * 1024;
const LAST_LINE_CHARS = 200;

export interface LastCommand {
  line: string;
  exit: number;
  at: number;
}

export class CommandHistory {
  private readonly bySession = new Map<string, { lines: string[]; bytes: number; count: number; last: LastCommand }>();

  add(sessionId: string, line: string, exit = 0, at = Date.now()): void {
    const text = line.trim();
    if (!text) return;
    let h = this.bySession.get(sessionId);
    if (!h) this.bySession.set(sessionId, (h = { lines: [], bytes: 0, count: 0, last: { line: text, exit, at } }));
    h.count += 1;
    h.last = { line: text.slice(0, LAST_LINE_CHARS), exit, at };
    h.lines.push(text);
    h.bytes += Buffer.byteLength(text) + 1;
    // The oldest go first: the end of a session is what a learner wants to keep.
    while (h.lines.length > 1 && (h.lines.length > HISTORY_MAX_COMMANDS || h.bytes > HISTORY_MAX_BYTES)) {
      h.bytes -= Buffer.byteLength(h.lines.shift()!) + 1;
    }
  }

  /** One command a line, oldest first; empty when the session ran none. */
  text(sessionId: string): string {
    const lines = this.bySession.get(sessionId)?.lines ?? [];
    return lines.map((l) => `${l}\n`).join('');
  }

  /** How many commands the session ran in all, and its latest (cut to a line's worth): for staff's list. */
  summary(sessionId: string): { count: number; last: LastCommand | null } {
    const h = this.bySession.get(sessionId);
    return { count: h?.count ?? 0, last: h?.last ?? null };
  }

  forget(sessionId: string): void {
    this.bySession.delete(sessionId);
  }
}
