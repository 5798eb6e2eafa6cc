// What runs in the foreground of a shell, from its shell-integration marks: a lesson's Run types only at a
// prompt, or into a program that reads typed lines (a shell in a container, a database client).
import type { CommandEvent, CommandOutputObserver } from './shell-integration.js';

export class Foreground implements CommandOutputObserver {
  /** The command line running now (between its E and D marks), if any. */
  running: string | undefined;

  started(line: string): void {
    this.running = line;
  }

  text(): void {}

  ended(_e: CommandEvent): undefined {
    this.running = undefined;
    return undefined;
  }
}

/**
 * A command that talks to a terminal: `docker attach`, or `docker run/exec/start` with -i or -t and no -d
 * (Docker refuses "the input device is not a TTY" without one, and the commands after it are typed into it).
 */
export function needsTerminal(command: string): boolean {
  const words = command.trim().split(/\s+/);
  if (words[0] === 'sudo') words.shift();
  if (words[0] !== 'docker') return false;
  const verb = words[1] === 'container' ? words[2] : words[1];
  if (verb === 'attach') return true;
  if (verb !== 'run' && verb !== 'exec' && verb !== 'start') return false;
  const flags = words.filter((w) => w.startsWith('-'));
  const shortFlags = flags.filter((w) => /^-[a-zA-Z]+$/.test(w));
  if (flags.includes('--detach') || shortFlags.some((w) => w.includes('d'))) return false;
  return flags.some((w) => w === '--interactive' || w === '--tty' || w === '--attach') || shortFlags.some((w) => /^-[ita]+$/.test(w));
}

/** Programs that read lines typed at their own prompt: a Run types into them as a learner would. */
const LINE_READERS = /^(sudo\s+)?(bash|sh|dash|ash|zsh|redis-cli|psql|mysql|mariadb|sqlite3|python3?|node|irb|mongosh|su|nsenter|unshare)(\s|$)/;

export function readsTypedLines(command: string): boolean {
  return needsTerminal(command) || LINE_READERS.test(command.trim()) || /^sudo\s+(-i|-s)\b/.test(command.trim());
}
