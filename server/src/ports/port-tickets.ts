// One-time, short-lived tickets that open a port link: Berth's page asks for one (with the session's token)
// and opens the address it gets; the ports origin trades the ticket for a cookie of its own. The session
// token itself never travels to the ports origin, and a ticket seen in a log or a history is already spent.
import crypto from 'node:crypto';

export const TICKET_TTL_MS = 60_000;
/** Unspent tickets kept per session (older ones are dropped first) and in all. */
const PER_SESSION = 16;
const IN_ALL = 20_000;

interface Ticket {
  sessionId: string;
  port: number;
  expiresAt: number;
}

export class PortTickets {
  private readonly tickets = new Map<string, Ticket>();
  /** Each session's unspent tickets, oldest first: issuing never scans other sessions' tickets. */
  private readonly bySession = new Map<string, string[]>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(sessionId: string, port: number): { ticket: string; expiresAt: number } {
    this.dropExpired();
    const mine = this.bySession.get(sessionId) ?? [];
    while (mine.length >= PER_SESSION) this.delete(mine[0]!);
    while (this.tickets.size >= IN_ALL) this.delete(this.tickets.keys().next().value!);
    const ticket = crypto.randomBytes(24).toString('base64url');
    const expiresAt = this.now() + TICKET_TTL_MS;
    this.tickets.set(ticket, { sessionId, port, expiresAt });
    const list = this.bySession.get(sessionId);
    if (list) list.push(ticket);
    else this.bySession.set(sessionId, [ticket]);
    return { ticket, expiresAt };
  }

  /** Spends a ticket: true once, for the link it was issued for, before it expires. */
  redeem(ticket: string, sessionId: string, port: number): boolean {
    const t = this.tickets.get(ticket);
    if (!t) return false;
    this.delete(ticket);
    return t.sessionId === sessionId && t.port === port && t.expiresAt > this.now();
  }

  forgetSession(sessionId: string): void {
    for (const key of this.bySession.get(sessionId) ?? []) this.tickets.delete(key);
    this.bySession.delete(sessionId);
  }

  private delete(ticket: string): void {
    const t = this.tickets.get(ticket);
    if (!t) return;
    this.tickets.delete(ticket);
    const list = this.bySession.get(t.sessionId);
    if (!list) return;
    // A session holds at most PER_SESSION tickets: this search is bounded.
    const at = list.indexOf(ticket);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.bySession.delete(t.sessionId);
  }

  private dropExpired(): void {
    const now = this.now();
    // Insertion order is issue order, and every ticket lives as long: the expired ones come first.
    for (const [key, t] of this.tickets) {
      if (t.expiresAt > now) break;
      this.delete(key);
    }
  }
}
