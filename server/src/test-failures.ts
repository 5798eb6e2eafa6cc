// What failed in a node:test run (spec reporter), and why: the summary at the end of `npm test` repeats both,
// since only the tail of a long run may be read (CI shows its last lines).

export interface Failure {
  name: string;
  /** The first lines of the error under the test's "✖" line, before its stack; empty for a suite's own line. */
  reason: string[];
}

const MAX_NAME = 400;
const MAX_REASON_LINES = 15;
const MAX_LINE = 300;

const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 3)}...` : s);
const indentOf = (line: string) => line.length - line.trimStart().length;

/** Each failed test once, in the order first reported, with the error lines the reporter printed under it. */
export function failuresIn(out: string): Failure[] {
  const lines = out.split('\n');
  const found = new Map<string, Failure>();
  for (const [i, line] of lines.entries()) {
    const name = /^\s*✖\s+(.*?)(?:\s+\(\d[\d.]*m?s\))?$/.exec(line)?.[1];
    if (!name || /^failing tests:?$/.test(name)) continue;
    const key = cut(name, MAX_NAME);
    if (found.has(key) && found.get(key)!.reason.length) continue;
    found.set(key, { name: key, reason: reasonBelow(lines, i + 1, indentOf(line)) });
  }
  return [...found.values()];
}

function reasonBelow(lines: string[], from: number, own: number): string[] {
  const reason: string[] = [];
  for (let i = from; i < lines.length && reason.length < MAX_REASON_LINES; i++) {
    const line = lines[i] ?? '';
    if (line.trim() && indentOf(line) <= own) break;
    if (/^\s*at\s/.test(line)) break;
    reason.push(cut(line.slice(Math.min(own + 2, indentOf(line))).trimEnd(), MAX_LINE));
  }
  while (reason.length && !reason[reason.length - 1]) reason.pop();
  return reason;
}
