// Several watchers of one shell's commands (missing images, network needed, port taken), seen by the
// terminal as one: each sees every command and its output; their lines print in order, one line break
// between Docker's output and the first of them.
import type { CommandEvent, CommandOutputObserver } from './shell-integration.js';

export class ObserverChain implements CommandOutputObserver {
  constructor(private readonly observers: readonly CommandOutputObserver[]) {}

  started(line: string): void {
    for (const o of this.observers) o.started(line);
  }

  text(bytes: Buffer): void {
    for (const o of this.observers) o.text(bytes);
  }

  prompt(): void {
    for (const o of this.observers) o.prompt?.();
  }

  ended(e: CommandEvent): Buffer | undefined {
    const notes: Buffer[] = [];
    for (const o of this.observers) {
      let note = o.ended(e);
      if (!note?.length) continue;
      // Each note begins on a line of its own; after another note, the line break it would add is there already.
      if (notes.length && note[0] === 0x0d && note[1] === 0x0a) note = note.subarray(2);
      notes.push(note);
    }
    return notes.length ? Buffer.concat(notes) : undefined;
  }
}
