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

  constructor(private readonly now: () => number = Date.now) {}

  issue(sessionId: string, port: number): { ticket: string; expiresAt: number } {
    this.dropExpired();
    const mine = [...this.tickets].filter(([, t]) => t.sessionId === sessionId);
    for (const [key] of mine.slice(0, Math.max(0, mine.length - PER_SESSION + 1))) this.tickets.delete(key);
    while (this.tickets.size >= IN_ALL) this.tickets.delete(this.tickets.keys().next().value!);
    const ticket = crypto.randomBytes(24).toString('base64url');
    const expiresAt = this.now() + TICKET_TTL_MS;
    this.tickets.set(ticket, { sessionId, port, expiresAt });
    return { ticket, expiresAt };
  }

  /** Spends a ticket: true once, for the link it was issued for, before it expires. */
  redeem(ticket: string, sessionId: string, port: number): boolean {
    const t = this.tickets.get(ticket);
    if (!t) return false;
    this.tickets.delete(ticket);
    return t.sessionId === sessionId && t.port === port && t.expiresAt > this.now();
  }

  forgetSession(sessionId: string): void {
    for (const [key, t] of this.tickets) if (t.sessionId === sessionId) this.tickets.delete(key);
  }

  private dropExpired(): void {
    const now = this.now();
    // Insertion order is issue order, and every ticket lives as long: the expired ones come first.
    for (const [key, t] of this.tickets) {
      if (t.expiresAt > now) break;
      this.tickets.delete(key);
    }
  }
}
