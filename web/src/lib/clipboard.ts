// Keyboard and mouse copy/paste for the terminal, without taking Ctrl+C away from the shell.
//
//   Ctrl+Shift+C, Cmd+C (macOS), Ctrl+C with a selection (not macOS), right-click with a selection: copy
//   Ctrl+Shift+V: paste through navigator.clipboard, or the browser's own paste when that is unavailable
//   Ctrl+V (not macOS), Cmd+V (macOS): the browser's native paste event, which xterm handles
//   Ctrl+C without a selection: ^C to the shell, as always
import type { Terminal } from '@xterm/xterm';
import type { Messages } from './i18n.js';

export type ClipboardAction =
  | 'copy' // copy the selection and keep it
  | 'copy-and-clear' // copy, then clear the selection so the next Ctrl+C interrupts again
  | 'paste' // read navigator.clipboard and paste
  | 'native-paste' // keep xterm from sending ^V; the browser then fires a paste event xterm handles
  | 'ignore'; // a copy key with nothing selected: do nothing

interface KeyLike {
  key: string;
  code: string;
  ctrlKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  metaKey: boolean;
}

export const isMacPlatform = (): boolean => /Macintosh|Mac OS X|iPhone|iPad/.test(navigator.userAgent);

/** Which clipboard action a key press means, or null when the terminal should get the key. */
export function clipboardAction(ev: KeyLike, hasSelection: boolean, isMac: boolean): ClipboardAction | null {
  if (ev.altKey) return null;
  const letter = /^[a-z]$/i.test(ev.key) ? ev.key.toLowerCase() : ev.code.replace(/^Key/, '').toLowerCase();
  if (letter !== 'c' && letter !== 'v') return null;
  const ctrlShift = ev.ctrlKey && ev.shiftKey && !ev.metaKey;
  const ctrlOnly = ev.ctrlKey && !ev.shiftKey && !ev.metaKey;
  const cmdOnly = isMac && ev.metaKey && !ev.ctrlKey && !ev.shiftKey;

  if (letter === 'c') {
    if (ctrlShift) return hasSelection ? 'copy' : 'ignore';
    if (cmdOnly) return hasSelection ? 'copy' : null;
    if (ctrlOnly && !isMac && hasSelection) return 'copy-and-clear';
    return null;
  }
  if (ctrlShift) return 'paste';
  if ((ctrlOnly && !isMac) || cmdOnly) return 'native-paste';
  return null;
}

export interface ClipboardOptions {
  /** Short feedback such as "Copied" or why a paste did not work. */
  notify(message: string): void;
  /** The UI strings in the visitor's language. */
  messages(): Messages;
}

/** Wires copy/paste into `term`; `host` is the element the terminal was opened in. Returns a cleanup. */
export function installClipboard(term: Terminal, host: HTMLElement, options: ClipboardOptions): () => void {
  const isMac = isMacPlatform();

  const copySelection = async (clear: boolean): Promise<void> => {
    const text = term.getSelection();
    if (!text) return;
    const m = options.messages();
    if (await writeClipboard(text)) options.notify(m.copied);
    else options.notify(m.copyFailed);
    if (clear) term.clearSelection();
  };

  term.attachCustomKeyEventHandler((ev) => {
    const action = clipboardAction(ev, term.hasSelection(), isMac);
    if (!action) return true;
    if (ev.type !== 'keydown') return false;
    switch (action) {
      case 'copy':
      case 'copy-and-clear':
        ev.preventDefault();
        void copySelection(action === 'copy-and-clear');
        break;
      case 'ignore':
        ev.preventDefault();
        break;
      case 'paste':
        if (canReadClipboard()) {
          ev.preventDefault(); // or the browser pastes a second time through its own paste event
          void readClipboard().then(
            (text) => text && term.paste(text),
            () => options.notify(options.messages().pasteFailed(isMac ? 'Cmd' : 'Ctrl')),
          );
        }
        break;
      case 'native-paste':
        break;
    }
    return false;
  });

  const onContextMenu = (ev: MouseEvent): void => {
    if (!term.hasSelection()) return; // leave the browser's menu (with Paste) alone
    ev.preventDefault();
    void copySelection(false);
  };
  host.addEventListener('contextmenu', onContextMenu);

  return () => {
    host.removeEventListener('contextmenu', onContextMenu);
    term.attachCustomKeyEventHandler(() => true);
  };
}

const canReadClipboard = (): boolean => window.isSecureContext && typeof navigator.clipboard?.readText === 'function';

const readClipboard = (): Promise<string> => navigator.clipboard.readText();

/** Puts `text` on the clipboard; false when the browser refused. Used by the terminal and code blocks. */
export async function writeClipboard(text: string): Promise<boolean> {
  if (window.isSecureContext && typeof navigator.clipboard?.writeText === 'function') {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // fall through to the copy command
    }
  }
  // Without the async API (plain http), copy from a throwaway textarea, then give focus back.
  const active = document.activeElement as HTMLElement | null;
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.cssText = 'position:fixed;top:0;left:0;opacity:0;pointer-events:none';
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  active?.focus();
  return ok;
}
