// Keys typed ahead of the shell wait for its prompt. A login shell takes a moment to start (longer while the
// sandbox's engine starts beside it); bytes written to its terminal before readline reads them are echoed
// twice, split between the startup and the prompt, or lost to a Ctrl-C that ends the startup instead of the
// line. So a new shell's gate is closed until readline prints its first prompt (the OSC 133;B mark in PS1,
// native/bash/berth.sh; PROMPT_COMMAND's A mark comes before readline reads), and it opens anyway after
// FIRST_PROMPT_WAIT_MS for a shell that never marks its prompt.
//
// Keys let through together arrive at once: a Ctrl-C among them would interrupt the shell while readline
// already holds the start of the next line ("cho: command not found"). So what was typed after an interrupt
// key waits for the prompt the shell comes back to (interruptedAt, AFTER_INTERRUPT_WAIT_MS at most). And the
// interrupt key itself waits until the shell has read what was typed before it and started that command: in
// the same write, the terminal turns the key into a signal first and throws the unread line away.
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

/** Where `typed` divides after an interrupt key that has more typed behind it (-1: nowhere, or a paste). */
export function interruptedAt(typed: string): number {
  if (typed.length > TYPED_AHEAD_BYTES) return -1;
  const at = typed.search(INTERRUPT_KEYS);
  return at >= 0 && at < typed.length - 1 ? at + 1 : -1;
}

export class PromptGate implements CommandOutputObserver {
  /** Resolves when the gate opens (a prompt, the wait's end, open()); undefined while it is open. */
  waiting: Promise<void> | undefined;
  private done = () => {};
  private timer: NodeJS.Timeout | undefined;
  /** Opened by the start of a command too, not only by a prompt (closeUntilStarted). */
  private opensOnStart = false;

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

  /** Closed until the shell starts a command (or shows a prompt: the line was empty), `waitMs` at most. */
  closeUntilStarted(waitMs: number): void {
    this.close(waitMs);
    this.opensOnStart = true;
  }

  /** The shell is at its prompt, exited, or is no longer this terminal's: whatever waits goes on. */
  open(): void {
    this.opensOnStart = false;
    if (!this.waiting) return;
    clearTimeout(this.timer);
    this.waiting = undefined;
    this.done();
  }

  prompt(): void {
    this.open();
  }

  started(_line: string): void {
    if (this.opensOnStart) this.open();
  }
  text(_bytes: Buffer): void {}
  ended(_e: CommandEvent): Buffer | undefined {
    return undefined;
  }
}
