/** Berth's lines in a terminal: one colour, each on a line of its own. */
export function noteBytes(lines: readonly string[], atLineStart: boolean): Buffer {
  return Buffer.from(`${atLineStart ? '' : '\r\n'}${lines.map((l) => `\x1b[36m${l}\x1b[0m\r\n`).join('')}`);
}
