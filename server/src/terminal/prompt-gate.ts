// Keys typed ahead of the shell wait for its prompt. A login shell takes a moment to start (longer while the
// sandbox's engine starts beside it); bytes written to its terminal before readline reads them are echoed
// twice, split between the startup and the prompt, or lost to a Ctrl-C that ends the startup instead of the
// line. So a new shell's gate is closed until readline prints its first prompt (the OSC 133;B mark in PS1,
// native/bash/berth.sh; PROMPT_COMMAND's A mark comes before readline reads), and it opens anyway after
// FIRST_PROMPT_WAIT_MS for a shell that never marks its prompt.
//
// An interrupt key among keys typed ahead is what a terminal makes of it: it throws away what the shell had
// not read yet and signals what runs. At a prompt the shell has read none of it, so what came before the key
// is dropped and the key with it (at an empty prompt it would only bring another prompt). Sent, it would race
// bash: a Ctrl-C that lands as readline starts reading is acted on at the next key, which it swallows ("cho:
// command not found"); one that lands in the DEBUG trap that marks a command (the 133;C mark) ends the trap,
// not the command. Anywhere else (no prompt seen yet, a program running) the keys up to the last interrupt key
// go in one write and the rest waits for the prompt that key brings (AFTER_INTERRUPT_WAIT_MS at most).
import type { CommandEvent, CommandOutputObserver } from './shell-integration.js';

export const FIRST_PROMPT_WAIT_MS = 5_000;
export const AFTER_INTERRUPT_WAIT_MS = 2_000;
/** Ctrl-C, Ctrl-\ and Ctrl-Z: the terminal turns them into signals (INTR, QUIT, SUSP). */
const INTERRUPT_KEYS = /[\x03\x1c\x1a]/;

/**
 * Keys held past this are a paste, not typing: they go in one write. (Divided at each interrupt key, a pasted
 * megabyte of Ctrl-C and letters would be searched and copied again at every prompt, on the shared event loop.)
 */
export const TYPED_AHEAD_BYTES = 4096;

/** Where `typed` divides: after its last interrupt key, if more is typed behind it (-1: nowhere, or a paste). */
export function interruptedAt(typed: string): number {
  if (typed.length > TYPED_AHEAD_BYTES) return -1;
  for (let at = typed.length - 2; at >= 0; at--) if (INTERRUPT_KEYS.test(typed[at]!)) return at + 1;
  return -1;
}

export class PromptGate implements CommandOutputObserver {
  /** Resolves when the gate opens (a prompt, the wait's end, open()); undefined while it is open. */
  waiting: Promise<void> | undefined;
  /** The shell showed a prompt and has started nothing since: it reads what is typed at its command line. */
  atPrompt = false;
  private done = () => {};
  private timer: NodeJS.Timeout | undefined;

  constructor(waitMs = FIRST_PROMPT_WAIT_MS) {
    this.close(waitMs);
  }

  /** Closed until the shell's next prompt, `waitMs` at most. */
  close(waitMs: number): void {
    this.open();
    this.waiting = new Promise<void>((resolve) => (this.done = resolve));
    this.timer = setTimeout(() => this.open(), waitMs);
    this.timer.unref();
  }

  /** The shell is at its prompt, exited, or is no longer this terminal's: whatever waits goes on. */
  open(): void {
    if (!this.waiting) return;
    clearTimeout(this.timer);
    this.waiting = undefined;
    this.done();
  }

  prompt(): void {
    this.atPrompt = true;
    this.open();
  }

  started(_line: string): void {
    this.atPrompt = false;
  }
  text(_bytes: Buffer): void {}
  ended(_e: CommandEvent): Buffer | undefined {
    this.atPrompt = false;
    return undefined;
  }
}
