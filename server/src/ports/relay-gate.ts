// Connections to a sandbox on another machine go through a relay that the runtime starts on that machine
// (an LXD exec on the cluster's shared API): one visitor opening hundreds of them at once would load the API
// every other visitor's terminal and checks use. So each session may have a few open at a time.
import type { Duplex } from 'node:stream';

/** The code a refused relay fails with; port-pages.ts words it for the reader. */
export const RELAYS_BUSY = 'RELAYS_BUSY';

export class RelayGate {
  private readonly open = new Map<string, number>();

  constructor(readonly perSession: number) {}

  async relay(sessionId: string, start: () => Promise<Duplex>): Promise<Duplex> {
    const count = this.open.get(sessionId) ?? 0;
    if (count >= this.perSession) throw Object.assign(new Error(`session ${sessionId} has ${count} relays open`), { code: RELAYS_BUSY });
    this.open.set(sessionId, count + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.open.get(sessionId) ?? 1) - 1;
      if (left > 0) this.open.set(sessionId, left);
      else this.open.delete(sessionId);
    };
    try {
      const socket = await start();
      socket.once('close', release);
      if (socket.destroyed) release();
      return socket;
    } catch (err) {
      release();
      throw err;
    }
  }

  /** Relays open for the session now. */
  count(sessionId: string): number {
    return this.open.get(sessionId) ?? 0;
  }
}
