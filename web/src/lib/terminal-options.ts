// Every xterm.js option Berth sets, in one place, including those the visitor's preferences switch.
import type { ITerminalInitOnlyOptions, ITerminalOptions, ITheme } from '@xterm/xterm';

export interface TerminalPreferences {
  screenReaderMode: boolean;
  /** CSS pixels. */
  fontSize: number;
}

export const defaultPreferences: TerminalPreferences = { screenReaderMode: false, fontSize: 14 };

const theme: ITheme = {
  background: '#0f1720',
  foreground: '#dbe4ee',
  cursor: '#7cc4fa',
  cursorAccent: '#0f1720',
  selectionBackground: '#3b5b7a',
  black: '#1b2430',
  red: '#f07178',
  green: '#a5d6a7',
  yellow: '#f6d27a',
  blue: '#7cc4fa',
  magenta: '#c792ea',
  cyan: '#89ddff',
  white: '#dbe4ee',
  brightBlack: '#5c6b7a',
  brightRed: '#ff8a8f',
  brightGreen: '#c3e88d',
  brightYellow: '#ffe08a',
  brightBlue: '#a3d8ff',
  brightMagenta: '#dcb2ff',
  brightCyan: '#b2ecff',
  brightWhite: '#ffffff',
};

/** The options that follow the visitor's preferences; set at start and again whenever they change. */
export function preferenceOptions(prefs: TerminalPreferences): ITerminalOptions {
  return {
    // xterm then keeps an accessible live mirror of the rows that screen readers can read.
    screenReaderMode: prefs.screenReaderMode,
    fontSize: prefs.fontSize,
  };
}

export function terminalOptions(prefs: TerminalPreferences = defaultPreferences): ITerminalOptions & ITerminalInitOnlyOptions {
  return {
    fontFamily: "ui-monospace, 'SFMono-Regular', 'JetBrains Mono', 'DejaVu Sans Mono', Menlo, Consolas, monospace",
    lineHeight: 1.2,
    // A steady cursor: a blinking one keeps the page drawing frames all the time, and Chromium then hands the
    // echo of each key to the page only at the next frame and draws it a frame later (a key's echo in
    // Chromium, against a stand-in engine: 28.6 ms p50 blinking, 8.3 ms steady). It also spares a laptop's
    // battery, and WCAG 2.2.2 asks that blinking stop anyway.
    cursorBlink: false,
    scrollback: 5000,
    theme,
    // Right-click copies a selection (clipboard.ts); selecting a word on right-click would fight that.
    rightClickSelectsWord: false,
    allowProposedApi: false,
    ...preferenceOptions(prefs),
  };
}
