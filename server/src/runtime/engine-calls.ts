// Small helpers for talking to the engine and reading the host's /proc, shared by the docker runtime's parts.
import fs from 'node:fs';

/** Resolves when `p` does, or when it fails with the engine's 404 (already gone). */
export async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== 404) throw err;
  }
}

/** Engine log frames (8-byte header + payload) -> text. */
export function demuxToString(buf: Buffer): string {
  let out = '';
  let i = 0;
  while (i + 8 <= buf.length) {
    const len = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + len).toString('utf8');
    i += 8 + len;
  }
  return out || buf.toString('utf8');
}

/** A process's start time (field 22 of /proc/<pid>/stat), or '' when there is no such process. */
/**
 * A small file the kernel writes (/proc, cgroupfs), read at once: such a read never waits for a disk and costs
 * about 15 µs, where fs.promises reads it in five thread-pool round trips (the session watcher reads four a
 * session a second: that was most of the server's idle CPU). '' when it is gone.
 */
export function readKernelFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export async function processStartTime(pid: number): Promise<string> {
  const stat = readKernelFile(`/proc/${pid}/stat`);
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
}
