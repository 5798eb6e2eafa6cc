// A session's shell, kept alive across websocket reconnects: a reload or a short network loss gets the
// same shell back with its recent output replayed. One browser socket has the terminal (types into it, sizes
// it); others may watch it read-only (another tab of the same browser) and get it when that socket goes.
// Staff may watch too, read-only, never taking it; the session's page is told who watches.
import crypto from 'node:crypto';
import type { SandboxRuntime, ShellStream } from '../runtime/runtime.js';
import type { Logger } from '../sessions/session-manager.js';
import { CoalescedResize } from './coalesced-resize.js';
import { CommandBudget, COMMANDS_PER_S } from './command-budget.js';
import { AFTER_INTERRUPT_WAIT_MS, interruptedAt, PromptGate } from './prompt-gate.js';
import { FlowControl } from './flow-control.js';
import { Foreground, readsTypedLines } from './foreground.js';
import { ObserverChain } from './observer-chain.js';
import { OutputRate } from './output-rate.js';
import { Scrollback } from './scrollback.js';
import { TokenBucket } from './token-bucket.js';
import { ShellIntegrationParser, type CommandEvent, type CommandOutputObserver } from './shell-integration.js';
import type { TerminalSink } from './terminal-sink.js';

export type { TerminalSink } from './terminal-sink.js';
export { SCROLLBACK_BYTES } from './scrollback.js';

/** Where a recorded terminal's events go (recordings/asciicast-writer.ts's CastRecorder). */
export interface TerminalRecorder {
  output(bytes: Buffer): void;
  /** `who`: a typist other than the session's owner (staff who joined). */
  input(bytes: Buffer, who?: string): void;
  resize(cols: number, rows: number): void;
  marker(label: string): void;
}

export interface StaffOnTerminal {
  names: string[];
  typing: string[];
}

/** How long a shell waits for its socket to come back (reload, network loss) before it is ended. */
export const DETACHED_GRACE_MS = 2 * 60_000;
const MAX_RESTARTS = 3;
const ENGINE_AWAY = '[the sandbox host is restarting: a new shell opens here when it is back]';
const RESTART_WINDOW_MS = 10_000;
/** Typed input the shell has not read yet, at most: past it, input is dropped and the visitor told. */
export const MAX_PENDING_INPUT_BYTES = 1024 * 1024;
/**
 * Input a terminal takes per second after a burst (a paste up to the burst goes through whole). A shell in its
 * usual line mode has the kernel discard what it does not read, so input is never held anywhere: without the
 * rate an input flood cost the server a frame parse and a write each, as fast as the visitor sent them.
 */
export const INPUT_BYTES_PER_SECOND = 1024 * 1024;
export const INPUT_BURST_BYTES = 2 * 1024 * 1024;
const INPUT_TOO_FAST = `You typed or pasted more than ${INPUT_BYTES_PER_SECOND / 1024 / 1024} MiB a second, faster than a terminal takes input, so Berth dropped what came past that.`;
const INPUT_DROPPED = `Your shell is not reading what you type, so Berth dropped input past ${MAX_PENDING_INPUT_BYTES / 1024 / 1024} MiB waiting. If it is stuck, use Restart shell above the terminal.`;
const COMMANDS_DROPPED = `This terminal reported more than ${COMMANDS_PER_S} commands a second: Berth skips the extra ones, so a lesson step may miss them.`;
const PASTE_START = '\x1b[200~';
/** A flood (commands, input) is told to the visitor and the log once, and again only this long after. */
const FLOOD_RETELL_MS = 60_000;

export class TerminalHost {
  private shell: ShellStream | undefined;
  /** A shell on its way: being opened, or replacing the last (Restart shell: the old one ended, then a new one opened). */
  private opening: Promise<void> | undefined;
  private sink: TerminalSink | undefined;
  /** Sockets that see the output read-only while `sink` has the terminal; the first of them gets it next. */
  private readonly watchers = new Set<TerminalSink>();
  /** Staff watching, by the name the owner is shown, and whether they joined to type. They never get the terminal. */
  private readonly staff = new Map<TerminalSink, { name: string; typing: boolean }>();
  /** Set while this terminal is recorded (record()): what the shell prints, what is typed (and by whom), sizes, commands. */
  private recorder: TerminalRecorder | undefined;
  /** Told whenever the staff watching change (names in the order they came, and those who can type). */
  onStaff: (staff: StaffOnTerminal) => void = () => {};
  /** Told of each shell opened, with the path it took (the terminal server, or exec). */
  onShellOpened: (via: NonNullable<ShellStream['via']>) => void = () => {};
  /** Told whenever the shell prints while a page has the terminal (someone may be watching it: no nap). */
  onPrinted: () => void = () => {};
  private readonly scrollback = new Scrollback();
  /** Output flow control towards the attached socket (a `yes` flood stays bounded). */
  private flow: FlowControl | undefined;
  private restarts: number[] = [];
  private detachTimer: NodeJS.Timeout | undefined;
  private size = { cols: 80, rows: 24 };
  private disposed = false;
  /** Said once, on the first attach: the session was taken back after the Berth server restarted. */
  restartNotice: string | undefined;
  private readonly rate = new OutputRate(
    () => this.shell?.stream.pause(),
    () => this.resumeIfFree(),
  );
  private readonly resizer = new CoalescedResize(async (s) => this.shell?.resize(s.cols, s.rows));
  /** Input waiting for a resize to be applied (write), and its size in bytes. */
  private held: Array<{ data: string; who: string | undefined }> | undefined;
  private heldBytes = 0;
  private readonly commands = new CommandBudget();
  /** When each kind of flood was last told to the visitor and the log. */
  private readonly floodToldAt = new Map<string, number>();
  private readonly inputRate = new TokenBucket(INPUT_BYTES_PER_SECOND, INPUT_BURST_BYTES);
  /** The engine went away under the shell: a new one opens when it is back (engineBack). */
  private waitingForEngine = false;
  /** What a socket attaching meanwhile is told. */
  private awayNotice = ENGINE_AWAY;
  /** A shell whose stream broke: it may live on in the sandbox, so it is ended once the engine answers. */
  private lost: ShellStream | undefined;
  /** The current shell's foreground command, from its marks. */
  private foreground = new Foreground();
  /** Closed while typed keys wait for the current shell's prompt (prompt-gate.ts). */
  private promptGate: PromptGate | undefined;

  constructor(
    private readonly sessionId: string,
    private readonly runtime: SandboxRuntime,
    private readonly onCommand: (e: CommandEvent) => void,
    private readonly log: Logger,
    /** Called once the host has ended its shell for good (not reattached in time, or session over). */
    private readonly onDisposed: () => void,
    private readonly graceMs = DETACHED_GRACE_MS,
    /** Watches each new shell's commands and output (e.g. to explain an image the mirror lacks). */
    private readonly observe?: () => CommandOutputObserver,
  ) {}

  /**
   * Attaches a socket and replays recent output. It takes the terminal (the socket that had it is closed as
   * replaced), or, with `watch` while another socket has it, watches read-only. Opens the shell if needed.
   */
  async attach(sink: TerminalSink, size: { cols: number; rows: number } | undefined, watch = false): Promise<void> {
    if (watch && this.sink && this.sink !== sink) {
      this.watchers.add(sink);
      sink.control(false);
      if (this.scrollback.bytes) sink.output(this.scrollback.all(), () => {});
      return;
    }
    clearTimeout(this.detachTimer);
    const previous = this.sink;
    this.watchers.delete(sink);
    this.sink = sink;
    if (previous) previous.gone('the terminal was opened in another tab or window', true);
    if (size) this.size = size;
    if (size) this.recorder?.resize(size.cols, size.rows);
    sink.control(true);
    this.flow = this.newFlow();
    if (this.restartNotice) {
      // Kept in the scrollback, so a reload still says why the screen starts afresh.
      this.remember(Buffer.from(`\x1b[2m${this.restartNotice}\x1b[0m\r\n`));
      this.restartNotice = undefined;
    }
    if (this.scrollback.bytes) sink.output(this.scrollback.all(), this.flow.sent(this.scrollback.bytes));
    if (this.shell) {
      this.resizer.request(this.size);
      this.resumeIfFree();
      return;
    }
    if (this.waitingForEngine) return sink.notice(this.awayNotice);
    await this.openOrWait();
  }

  /** Records this terminal from now on (its size first), or stops (undefined). */
  record(recorder: TerminalRecorder | undefined): void {
    this.recorder = recorder;
    recorder?.resize(this.size.cols, this.size.rows);
  }

  /** A staff member watches from the start of the scrollback (joined: may type too); the owner's page is told. */
  watchAsStaff(sink: TerminalSink, name: string, typing = false): void {
    if (this.disposed) return sink.gone('the session is over');
    this.staff.set(sink, { name, typing });
    sink.control(false);
    if (this.scrollback.bytes) sink.output(this.scrollback.all(), () => {});
    this.onStaff(this.staffOn());
  }

  staffOn(): StaffOnTerminal {
    const all = [...this.staff.values()];
    return { names: all.map((s) => s.name), typing: all.filter((s) => s.typing).map((s) => s.name) };
  }

  /** Typed by a staff member who joined; false when refused (only watching) or dropped (the shell does not read). */
  writeAsStaff(sink: TerminalSink, data: string): boolean {
    const staff = this.staff.get(sink);
    if (!staff?.typing) return false;
    return this.write(data, staff.name);
  }

  private newFlow(): FlowControl {
    const flow: FlowControl = new FlowControl(
      () => this.shell?.stream.pause(),
      () => {
        if (this.flow === flow) this.resumeIfFree();
      },
    );
    return flow;
  }

  /** True when this socket has the terminal (its input and size count), false when it only watches. */
  controls(sink: TerminalSink): boolean {
    return this.sink === sink;
  }

  /** The session's sandbox is being replaced by a new one (its machine emptied): the shell goes without a word
   * from onExit, the terminal says why, and the new sandbox's shell opens at engineBack. */
  sandboxReplaced(notice: string): void {
    if (this.disposed) return;
    this.waitingForEngine = true;
    this.awayNotice = `[${notice}]`;
    const shell = this.shell;
    this.shell = undefined;
    // Its sandbox is on its way out: no kill() (an exec into it), just the stream.
    shell?.stream.destroy();
    this.tell(this.awayNotice);
  }

  /** The engine answers again and this session's sandbox still runs: a fresh shell replaces the broken one. */
  engineBack(note = '[the sandbox host restarted; here is a new shell]'): void {
    const lost = this.lost;
    this.lost = undefined;
    if (lost) void lost.kill().catch(() => {});
    if (!this.waitingForEngine || this.disposed) return;
    this.waitingForEngine = false;
    this.awayNotice = ENGINE_AWAY;
    if (!this.sink) return; // a new shell opens when a socket attaches again
    this.tell(note);
    void this.openOrWait().catch((err: Error) => this.sink?.gone(`Could not open a shell: ${err.message}`));
  }

  detach(sink: TerminalSink): void {
    if (this.staff.delete(sink)) return this.onStaff(this.staffOn());
    if (this.watchers.delete(sink) || this.sink !== sink) return;
    this.sink = undefined;
    this.flow = undefined;
    const next = this.watchers.values().next().value;
    if (next) {
      // The tab that had the terminal went (closed, reloading): a watching one has it now.
      this.watchers.delete(next);
      this.sink = next;
      this.flow = this.newFlow();
      next.control(true);
      this.resumeIfFree();
      // A shell that exited while nobody had the terminal opens again for the one that has it now.
      if (!this.shell && !this.waitingForEngine) void this.openOrWait().catch((err: Error) => this.sink?.gone(`Could not open a shell: ${err.message}`));
      return;
    }
    // Nobody reads: stop reading from the shell so it blocks instead of filling memory.
    this.shell?.stream.pause();
    clearTimeout(this.detachTimer);
    this.detachTimer = setTimeout(() => {
      this.log.info({ session: this.sessionId }, 'terminal not reattached in time; ending its shell');
      void this.dispose();
    }, this.graceMs);
    this.detachTimer.unref();
  }

  /**
   * Types into the shell (`who`: staff who joined, not the owner); false when dropped: sent faster than the
   * input rate, or the shell does not read it.
   */
  write(data: string, who?: string): boolean {
    if (!data.length || (!this.shell?.stream && !this.opening)) return true;
    const bytes = Buffer.byteLength(data);
    if (this.inputRate.take(bytes)) {
      this.tellFlood('terminal input dropped: sent faster than the input rate', INPUT_TOO_FAST);
      return false;
    }
    return this.accept(data, who, bytes);
  }

  /** Input taken (by the rate, or held earlier): to the shell, or held. */
  private accept(data: string, who: string | undefined, bytes = Buffer.byteLength(data)): boolean {
    const stream = this.shell?.stream;
    if (!data.length || (!stream && !this.opening)) return true;
    // A shell that does not read (a `sleep`, a stopped job) leaves input queued here. write() says false
    // once the queue passes 16 KiB; it may grow to 1 MiB (a large paste on its way), no further.
    if ((stream?.writableLength ?? 0) + this.heldBytes + bytes > MAX_PENDING_INPUT_BYTES) {
      this.tellFlood('terminal input dropped: the shell is not reading it', INPUT_DROPPED);
      return false;
    }
    // Typed while the shell opens or starts up (a new session's first keys, a Restart shell, a new shell after
    // the engine restarted): held for its first prompt.
    // Typed after a resize: held until the resize is applied, so what it runs sees the page's size.
    if (!stream || this.held || this.promptGate?.waiting || this.resizer.pending) return this.hold(data, who);
    stream.write(data);
    // The page sends a paste in bracketed-paste marks (xterm.js does when the shell asks for them).
    if (this.recorder && data.includes(PASTE_START)) this.recorder.marker(who ? `paste by ${who}` : 'paste');
    this.recorder?.input(Buffer.from(data), who);
    return true;
  }

  private hold(data: string, who: string | undefined): boolean {
    this.heldBytes += Buffer.byteLength(data);
    if (this.held) {
      // One entry per typist, not per frame: a megabyte typed a byte a frame stays a megabyte.
      const last = this.held.at(-1);
      if (last && last.who === who) last.data += data;
      else this.held.push({ data, who });
      return true;
    }
    this.held = [{ data, who }];
    const opened = this.opening?.catch(() => {}) ?? Promise.resolve();
    void opened.then(() => this.promptGate?.waiting).then(() => this.resizer.settle()).then(() => this.letHeldGo());
    return true;
  }

  /** Writes what was held; an interrupt key among it is what a terminal would make of it (prompt-gate.ts). */
  private letHeldGo(): void {
    const held = this.held ?? [];
    this.held = undefined;
    this.heldBytes = 0;
    for (const [i, h] of held.entries()) {
      const cut = this.promptGate ? interruptedAt(h.data) : -1;
      if (cut < 0) {
        this.accept(h.data, h.who);
        continue;
      }
      if (this.promptGate!.atPrompt) {
        // Unread by the shell, so a terminal would throw it away; the key at an empty prompt changes nothing.
        this.accept(h.data.slice(cut), h.who);
        continue;
      }
      this.accept(h.data.slice(0, cut), h.who);
      this.promptGate!.close(AFTER_INTERRUPT_WAIT_MS);
      this.accept(h.data.slice(cut), h.who);
      for (const rest of held.slice(i + 1)) this.accept(rest.data, rest.who);
      return;
    }
  }

  /**
   * A lesson's Run: clears what is typed at the prompt (Ctrl-E Ctrl-U) and types each line with Enter. A
   * program in the foreground that does not read typed lines (a `sleep`, a server) gets nothing: `busy`.
   */
  run(lines: string[]): boolean {
    const running = this.foreground.running;
    if (running !== undefined && !readsTypedLines(running)) {
      this.sink?.busy?.(running);
      return true;
    }
    return this.write(`\x05\x15${lines.map((l) => `${l}\r`).join('')}`);
  }

  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    this.resizer.request(this.size);
    this.recorder?.resize(cols, rows);
  }

  /** Ends the shell and every process started from it, then opens a new one for the attached socket. */
  async restart(): Promise<void> {
    const shell = this.shell;
    if (!shell || this.disposed) return;
    this.shell = undefined; // its exit is ours, not a crash to count
    this.opening = this.replace(shell).finally(() => (this.opening = undefined));
    await this.opening;
  }

  private async replace(shell: ShellStream): Promise<void> {
    await shell.kill().catch((err: Error) => this.log.warn({ session: this.sessionId, err: err.message }, 'could not end a shell'));
    if (this.disposed || !this.sink) return;
    this.tell('[Berth ended this shell and everything started from it; here is a new one]');
    // openShell(), not open(): this replacement is the shell on its way that open() would wait for.
    await this.openShell().catch((err: Error) => this.sink?.gone(`Could not open a shell: ${err.message}`));
  }

  get attached(): boolean {
    return !!this.sink;
  }

  /** Ends the shell for good; resolves once it is ended in the sandbox. `closing`: its sockets are told so and closed. */
  async dispose(closing?: string): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (closing) for (const s of [...this.watchers, ...this.staff.keys(), ...(this.sink ? [this.sink] : [])]) s.gone(closing);
    this.watchers.clear();
    if (this.staff.size) {
      this.staff.clear();
      this.onStaff({ names: [], typing: [] });
    }
    clearTimeout(this.detachTimer);
    this.rate.dispose();
    this.promptGate?.open();
    this.resizer.dispose();
    this.onDisposed();
    const shell = this.shell;
    this.shell = undefined;
    if (shell) await shell.kill().catch((err: Error) => this.log.warn({ session: this.sessionId, err: err.message }, 'could not end a shell'));
  }

  /** Opens a shell; if the engine is away (restarting), says so and waits for engineBack instead of failing. */
  private async openOrWait(): Promise<void> {
    try {
      await this.open();
    } catch (err) {
      if (!(await this.sandboxAway())) throw err;
      this.waitingForEngine = true;
      this.tell(ENGINE_AWAY);
    }
  }

  /**
   * The engine does not answer, or the sandbox stopped (an engine shutting down stops its containers before
   * it stops answering). When the engine is back, the session is kept or ended (recoverFromEngineRestart).
   */
  private async sandboxAway(): Promise<boolean> {
    if (!(await this.runtime.ping())) return true;
    return !(await this.runtime.isRunning(this.sessionId).catch(() => false));
  }

  private open(): Promise<void> {
    this.opening ??= this.openShell().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async openShell(): Promise<void> {
    // The shell's marks carry this nonce, so output a learner prints cannot pass for a command.
    const nonce = crypto.randomBytes(12).toString('hex');
    const size = this.size;
    const shell = await this.runtime.openShell(this.sessionId, size, [`BERTH_SHELL_NONCE=${nonce}`]);
    if (this.disposed) return void shell.kill();
    this.onShellOpened(shell.via ?? 'exec');
    this.shell = shell;
    this.resizer.reset(size);
    if (this.size !== size) this.resizer.request(this.size);
    const foreground = new Foreground();
    this.foreground = foreground;
    this.promptGate?.open();
    const promptGate = new PromptGate();
    this.promptGate = promptGate;
    const watcher = this.observe?.();
    // A command's mark comes after what it printed, often in the same chunk: its event waits for that output,
    // so the page and the recording get them in the shell's order.
    const commands: CommandEvent[] = [];
    const observers = new ObserverChain([foreground, promptGate, ...(watcher ? [watcher] : [])]);
    const parser = new ShellIntegrationParser(nonce, (command) => commands.push(command), undefined, undefined, observers);
    shell.stream.on('data', (chunk: Buffer) => {
      // Every byte the shell printed counts, marks included (they never reach the screen).
      this.rate.took(chunk.length);
      this.onOutput(parser.push(chunk));
      for (const command of commands.splice(0)) this.onShellCommand(command);
    });
    const exited = () => {
      promptGate.open();
      void this.onExit(shell);
    };
    shell.stream.on('close', exited);
    shell.stream.on('end', exited);
    shell.stream.on('error', exited);
    if (!this.sink) shell.stream.pause();
  }

  /** Tells the log and the visitor of a flood (`logLine` names it), once, then again only FLOOD_RETELL_MS later. */
  private tellFlood(logLine: string, message: string): void {
    const now = Date.now();
    if (now - (this.floodToldAt.get(logLine) ?? -Infinity) < FLOOD_RETELL_MS) return;
    this.floodToldAt.set(logLine, now);
    this.log.warn({ session: this.sessionId }, logLine);
    this.sink?.warn(message);
  }

  /** A notice printed for every socket on this terminal, the watching ones too. */
  private tell(message: string): void {
    this.sink?.notice(message);
    for (const w of this.readOnly()) w.notice(message);
  }

  /** Reads from the shell again unless a socket is missing, behind, or the output rate holds it. */
  private resumeIfFree(): void {
    if (this.sink && this.flow && !this.flow.isPaused && !this.rate.holding) this.shell?.stream.resume();
  }

  private onShellCommand(command: CommandEvent): void {
    if (!this.commands.take()) {
      return this.tellFlood(`a terminal reports more than ${COMMANDS_PER_S} commands a second; the extra ones are dropped`, COMMANDS_DROPPED);
    }
    // The event goes to the socket like output does: it counts towards the socket's backlog.
    if (this.sink && this.flow) this.sink.command(command, this.flow.sent(Buffer.byteLength(command.line) + 64));
    for (const w of this.readOnly()) w.command(command, () => {});
    this.recorder?.marker(`command \`${command.line}\` exit ${command.exit}`);
    this.onCommand(command);
  }

  private onOutput(out: Buffer): void {
    if (!out.length) return;
    this.remember(out);
    if (this.sink) this.onPrinted();
    if (this.sink && this.flow) this.sink.output(out, this.flow.sent(out.length));
    // Watchers get what the shell prints at the pace its terminal's socket reads; one far behind is closed.
    for (const w of this.readOnly()) w.output(out, () => {});
  }

  private *readOnly(): Iterable<TerminalSink> {
    yield* this.watchers;
    yield* this.staff.keys();
  }

  private remember(out: Buffer): void {
    this.scrollback.add(out);
    this.recorder?.output(out);
  }

  private async onExit(shell: ShellStream): Promise<void> {
    if (this.shell !== shell || this.disposed) return;
    this.shell = undefined;
    if (await this.sandboxAway()) {
      // The engine went away (a restart): the stream broke, not the shell. Wait for it to come back.
      this.lost = shell;
      this.waitingForEngine = true;
      this.tell(ENGINE_AWAY);
      return;
    }
    const now = Date.now();
    this.restarts = [...this.restarts.filter((t) => now - t < RESTART_WINDOW_MS), now];
    if (this.restarts.length > MAX_RESTARTS) {
      this.sink?.gone('The shell keeps exiting; reload the page to open a new one.');
      return;
    }
    if (!this.sink) return; // a new shell opens when a socket attaches again
    this.tell('[the shell exited; here is a new one]');
    // The engine may be stopping this very sandbox (its API still answers for a moment): then wait for it.
    void this.openOrWait().catch((err: Error) => this.sink?.gone(`Could not open a shell: ${err.message}`));
  }
}
