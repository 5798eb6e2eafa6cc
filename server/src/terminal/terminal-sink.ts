/** What a socket attached to a terminal gets from its shell. */
import type { CommandEvent } from './shell-integration.js';

export interface TerminalSink {
  output(bytes: Buffer, written: () => void): void;
  command(event: CommandEvent, written: () => void): void;
  /** Printed into the terminal. */
  notice(message: string): void;
  /** Something the visitor did was refused (an `error` event). */
  warn(message: string): void;
  /** A Run was not typed: this command runs in the foreground (a `busy` event). */
  busy?(command: string): void;
  /** The socket should close: another one took the terminal over (replaced), or the shell cannot be kept. */
  gone(message: string, replaced?: boolean): void;
  /** This socket has the terminal now (true), or only watches it while another socket has it (false). */
  control(controlling: boolean): void;
}
