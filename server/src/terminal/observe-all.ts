import type { CommandEvent, CommandOutputObserver } from './shell-integration.js';

/** Several observers of one shell as one: each sees everything, their lines are printed in order. */
export function observeAll(...observers: CommandOutputObserver[]): CommandOutputObserver {
  return {
    started: (line) => observers.forEach((o) => o.started(line)),
    text: (bytes) => observers.forEach((o) => o.text(bytes)),
    ended: (e: CommandEvent) => {
      const lines = observers.map((o) => o.ended(e)).filter((b): b is Buffer => b !== undefined);
      return lines.length ? Buffer.concat(lines) : undefined;
    },
  };
}
