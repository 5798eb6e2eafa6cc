// Click-to-run: a code block's commands typed into the terminal by the server, one line at a time, each
// with Enter, after it cleared what was typed at the prompt; never into a busy foreground program.
import type { Session } from './session.svelte.js';

/** The lines of a code block as they would be typed: no trailing blanks, no leading or trailing empty lines. */
export function commandLines(code: string): string[] {
  const lines = code.replace(/\r\n?/g, '\n').split('\n').map((line) => line.replace(/\s+$/, ''));
  while (lines.length && !lines[0]) lines.shift();
  while (lines.length && !lines[lines.length - 1]) lines.pop();
  return lines;
}

export function runCommands(session: Session, code: string): void {
  if (session.phase !== 'ready') return;
  session.runLines(commandLines(code));
  session.focusTerminal();
}

/** Solution commands as the HTML the server uses for a runnable block, so they render the same way. */
export function runnableBlockHtml(commands: string[]): string {
  const text = commands.join('\n').replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<pre data-runnable="true"><code>${text}</code></pre>`;
}
