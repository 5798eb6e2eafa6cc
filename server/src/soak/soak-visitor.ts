// One soak visitor's visit, as a learner's browser would make it: Start, wait for the prompt, type a few
// commands and check what they print, then leave in one of three ways.
import { CloseCode } from '@berth/shared';
import { createSession, TerminalClient, type CreatedSession } from '../tools/terminal-client.js';
import type { Random } from '../tools/seeded-random.js';

/** delete: the End button. resume: the network drops, the page reconnects, then End. drop: the tab is closed. */
export type Leaving = 'delete' | 'resume' | 'drop';

export interface Abandoned {
  session: CreatedSession;
  droppedAt: number;
}

export interface VisitTally {
  created: number;
  commands: number;
  /** Each with the time it happened, to set beside the host's logs. */
  errors: string[];
}

export const at = () => new Date().toISOString().slice(11, 19);

interface Command {
  line: string;
  /** What the learner would see go wrong, or null when the output is right. */
  check(output: string, exit: number): string | null;
}

function commands(rand: Random): Command[] {
  const a = 2 + rand.int(50);
  const b = 2 + rand.int(50);
  const exitZero = (output: string, exit: number) => (exit === 0 ? null : `exit ${exit}: ${output.slice(-300)}`);
  return [
    { line: 'docker run --rm hello-world', check: (o, e) => exitZero(o, e) ?? (o.includes('Hello from Docker!') ? null : `no greeting: ${o.slice(-300)}`) },
    { line: `echo soak $((${a} * ${b}))`, check: (o, e) => exitZero(o, e) ?? (o.includes(`soak ${a * b}`) ? null : `printed ${JSON.stringify(o.slice(-200))}`) },
    { line: 'ls -la ~', check: (o, e) => exitZero(o, e) ?? (/^total \d+/m.test(o) ? null : `no listing: ${o.slice(-300)}`) },
    // Left running on purpose: ending the session must take the nested container with it.
    { line: 'docker run -d busybox sleep 600', check: (o, e) => exitZero(o, e) ?? (/^[0-9a-f]{64}$/m.test(o) ? null : `no container id: ${o.slice(-300)}`) },
    { line: 'docker ps -q | wc -l', check: (o, e) => exitZero(o, e) ?? (/^\d+$/m.test(o.trim()) ? null : `not a count: ${o.slice(-200)}`) },
  ];
}

async function typeCommands(term: TerminalClient, rand: Random, count: number, tally: VisitTally, sessionId: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    const cmd = rand.pick(commands(rand));
    const r = await term.run(cmd.line, 90_000);
    tally.commands++;
    const wrong = cmd.check(r.output, r.exit);
    if (wrong) tally.errors.push(`${at()} session ${sessionId}: \`${cmd.line}\`: ${wrong.trim().replace(/\s*\n\s*/g, ' | ')}`);
  }
}

export async function endByDelete(url: string, s: CreatedSession): Promise<string | null> {
  const res = await fetch(`${url}/api/sessions/${s.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${s.token}` } });
  return res.status === 204 ? null : `DELETE /api/sessions/${s.id}: ${res.status} ${await res.text()}`;
}

/** Returns the session when the visitor left it without ending it (the server's idle timeout must). */
export async function visit(url: string, rand: Random, leaving: Leaving, tally: VisitTally): Promise<Abandoned | null> {
  const s = await createSession({ url });
  tally.created++;
  let term: TerminalClient | undefined;
  try {
    term = await TerminalClient.connect({ url }, s);
    await term.ready(90_000);
    await typeCommands(term, rand, 1 + rand.int(3), tally, s.id);
    if (leaving === 'drop') {
      term.ws.terminate();
      return { session: s, droppedAt: Date.now() };
    }
    if (leaving === 'resume') {
      term.ws.terminate();
      term = await TerminalClient.connect({ url }, s);
      await term.ready(90_000);
      await typeCommands(term, rand, 1, tally, s.id);
    }
    const failed = await endByDelete(url, s);
    if (failed) tally.errors.push(`${at()} ${failed}`);
    const closed = await term.waitFor(() => term!.closeInfo, 30_000, 'the terminal to close after DELETE');
    if (closed.code !== CloseCode.sessionEnded) tally.errors.push(`${at()} session ${s.id}: terminal closed with ${closed.code} ${closed.reason} after DELETE, not ${CloseCode.sessionEnded}`);
    return null;
  } catch (err) {
    tally.errors.push(`${at()} session ${s.id}: ${(err as Error).message.split('\n')[0]}`);
    term?.ws.terminate();
    await endByDelete(url, s).catch(() => {});
    return null;
  }
}
