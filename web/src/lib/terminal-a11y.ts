// What a keyboard and screen-reader user needs from the terminal, beside xterm's own screen-reader mode:
// - a way out: xterm keeps Tab for the shell's completion, so Esc then Tab (within a second) leaves the
//   terminal (Shift+Tab backwards); the Esc is held back meanwhile so the shell never sees it;
// - output in pieces: xterm's live region reads up to 20 rows as one block, column padding and all; this
//   reads each command's output once it settles, a few lines at a time, table columns as a list.
import type { Terminal } from '@xterm/xterm';

const ESC_WINDOW_MS = 1000;
const SETTLE_MS = 400;
const LINES_AT_ONCE = 5;

export interface AnnounceMessages {
  moreLines: (n: number) => string;
}

/**
 * Esc then Tab moves focus out of the terminal; returns the uninstaller. A capture listener on the terminal's
 * element, so it sees keys before xterm does (xterm's one custom key handler belongs to clipboard.ts).
 */
export function installKeyboardExit(term: Terminal, host: HTMLElement, send: (data: string) => void): () => void {
  let heldEsc: ReturnType<typeof setTimeout> | undefined;
  const releaseEsc = () => {
    if (heldEsc === undefined) return;
    clearTimeout(heldEsc);
    heldEsc = undefined;
    send('\x1b');
  };
  const keep = (event: KeyboardEvent) => {
    event.preventDefault();
    event.stopPropagation(); // xterm never sees it
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.isComposing || !term.textarea || event.target !== term.textarea) return;
    const plain = !event.ctrlKey && !event.altKey && !event.metaKey;
    if (event.key === 'Escape' && plain && !event.shiftKey) {
      releaseEsc(); // a second Esc: the first goes through
      heldEsc = setTimeout(releaseEsc, ESC_WINDOW_MS);
      keep(event);
      return;
    }
    if (event.key === 'Tab' && plain && heldEsc !== undefined) {
      clearTimeout(heldEsc);
      heldEsc = undefined;
      keep(event);
      focusBeside(host, event.shiftKey ? -1 : 1);
      return;
    }
    if (['Shift', 'Control', 'Alt', 'Meta'].includes(event.key)) return;
    releaseEsc(); // any other key: the Esc was meant for the shell, and goes first
  };
  host.addEventListener('keydown', onKeyDown, true);
  return () => {
    clearTimeout(heldEsc);
    host.removeEventListener('keydown', onKeyDown, true);
  };
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select, textarea, summary, [tabindex]:not([tabindex="-1"])';

/** Focuses the first focusable element after (1) or before (-1) the terminal, in page order. */
function focusBeside(host: HTMLElement, direction: 1 | -1): void {
  const all = [...document.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => !host.contains(el) && !el.closest('[inert]') && el.offsetParent !== null,
  );
  const after = (el: HTMLElement) => (host.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
  const target = direction === 1 ? all.find(after) : all.filter((el) => !after(el)).pop();
  (target ?? (direction === 1 ? all[0] : all.at(-1)))?.focus();
}

/** xterm's own live region reads 20 rows at once, assertively: OutputAnnouncer speaks instead. */
export function muteXtermLiveRegion(host: HTMLElement): void {
  for (const region of host.querySelectorAll('.live-region')) region.setAttribute('aria-live', 'off');
}

/** Collects the terminal's output and says it in pieces; only while screen-reader mode is on. */
export class OutputAnnouncer {
  #pending = '';
  #typed = false;
  /** After Enter: the rest of the typed line's echo comes first, up to its newline. */
  #echoLeft = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #decoder = new TextDecoder();

  constructor(
    private readonly region: HTMLElement,
    private readonly enabled: () => boolean,
    private readonly messages: () => AnnounceMessages,
  ) {}

  /** A keystroke: what the shell echoes back until Enter is the learner's own typing, already heard. */
  input(data: string): void {
    if (!this.enabled()) return;
    if (data.includes('\r')) {
      this.#typed = false;
      this.#echoLeft = true;
      this.#pending = '';
    } else {
      this.#typed = true;
    }
  }

  output(bytes: Uint8Array | string): void {
    if (!this.enabled() || this.#typed) return;
    let text = typeof bytes === 'string' ? bytes : this.#decoder.decode(bytes, { stream: true });
    if (this.#echoLeft) {
      const newline = text.indexOf('\n');
      if (newline < 0) return;
      this.#echoLeft = false;
      text = text.slice(newline + 1);
    }
    this.#pending += text;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#flush(), SETTLE_MS);
  }

  #flush(): void {
    const lines = readableLines(this.#pending);
    this.#pending = '';
    if (!lines.length) return;
    const shown = lines.slice(0, LINES_AT_ONCE);
    const rest = lines.length - shown.length;
    this.region.textContent = [...shown, ...(rest > 0 ? [this.messages().moreLines(rest)] : [])].join('\n');
  }

  dispose(): void {
    clearTimeout(this.#timer);
  }
}

/** Terminal output as lines a person would read: no escape sequences, no prompt-only lines, columns as a list. */
export function readableLines(raw: string): string[] {
  return (
    raw
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '') // OSC (titles, shell integration marks)
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '') // CSI (colours, cursor moves)
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b[@-_]/g, '')
      .split(/\r?\n|\r/)
      // eslint-disable-next-line no-control-regex
      .map((l) => l.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '').trim())
      .filter((l) => l !== '' && !/^\S*[$#]$/.test(l))
      // Two or more spaces separate a table's columns: read them as a list, not as silence.
      .map((l) => l.replace(/ {2,}/g, ', '))
  );
}
