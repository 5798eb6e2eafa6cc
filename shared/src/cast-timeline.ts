// A recorded terminal's timeline, read from its asciicast v2 markers (Berth writes one per command with its
// exit code, one per paste, one per lesson step ticked): what an interviewer's review lists beside the player.

export interface TimelineEntry {
  /** Seconds from the start of the recording. */
  at: number;
  /** The same moment on a player's clock that shortens every pause to the idle limit (as asciinema-player's
   * idleTimeLimit does): where a player must seek to show it. */
  playAt: number;
  kind: 'command' | 'paste' | 'check';
  text: string;
  exit?: number;
  /** A command that came in a paste. */
  pasted?: boolean;
  /** Who pasted or typed it, when it was a staff helper rather than the owner. */
  by?: string;
}

export interface CastTimeline {
  entries: TimelineEntry[];
  /** Seconds from the first event to the last. */
  duration: number;
  commands: number;
  failed: number;
  pastes: number;
  checks: number;
}

const COMMAND = /^command `([\s\S]*)` exit (-?\d+)$/;
const PASTE = /^paste(?: by (.+))?$/;
/** A lesson step ticked, or an interview's check met. */
const CHECK = /^(?:step (.+) done|check (.+) met)$/;

/**
 * Reads the markers of a cast file, line by line (a line that is not an event is passed over). `idleLimit`
 * (seconds) is the player's: each pause between two events longer than it counts as it, as the player plays it.
 */
export function castTimeline(cast: string, idleLimit = Infinity): CastTimeline {
  const entries: TimelineEntry[] = [];
  let duration = 0;
  let previous = 0;
  let cut = 0;
  let pasteWaiting: TimelineEntry | null = null;
  for (const line of cast.split('\n').slice(1)) {
    if (!line.startsWith('[')) continue;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      continue;
    }
    if (!Array.isArray(event) || typeof event[0] !== 'number' || typeof event[1] !== 'string' || typeof event[2] !== 'string') continue;
    const [at, code, data] = event as [number, string, string];
    duration = Math.max(duration, at);
    cut += Math.max(0, at - previous - idleLimit);
    previous = at;
    const playAt = at - cut;
    if (code !== 'm') continue;
    const command = COMMAND.exec(data);
    const paste = PASTE.exec(data);
    const check = CHECK.exec(data);
    if (command) {
      const entry: TimelineEntry = { at, playAt, kind: 'command', text: command[1]!, exit: Number(command[2]) };
      // A paste marker is written as the paste arrives; the command it held ends later.
      if (pasteWaiting) {
        entry.pasted = true;
        if (pasteWaiting.by) entry.by = pasteWaiting.by;
        entries.splice(entries.indexOf(pasteWaiting), 1);
        pasteWaiting = null;
      }
      entries.push(entry);
    } else if (paste) {
      pasteWaiting = { at, playAt, kind: 'paste', text: 'paste', ...(paste[1] ? { by: paste[1] } : {}) };
      entries.push(pasteWaiting);
    } else if (check) {
      entries.push({ at, playAt, kind: 'check', text: (check[1] ?? check[2])! });
    }
  }
  const commands = entries.filter((e) => e.kind === 'command');
  return {
    entries,
    duration,
    commands: commands.length,
    failed: commands.filter((e) => e.exit !== 0).length,
    pastes: entries.filter((e) => e.pasted || e.kind === 'paste').length,
    checks: entries.filter((e) => e.kind === 'check').length,
  };
}
