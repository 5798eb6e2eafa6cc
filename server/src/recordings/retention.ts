// Removes recordings past their retention. Only regular files named like a recording are looked at, through
// lstat: a symlink planted in the folder is left alone, and so is whatever it points at.
import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

const RECORDING_FILE = /^([a-z0-9-]{8,64})\.cast(\.sha256)?$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Removes each `<id>.cast` last written more than `olderThanDays` before `now` (ms since the epoch), with its
 * `.sha256`, and any old `.sha256` whose recording is gone. Returns the paths removed.
 */
export async function sweepRecordings(folder: string, olderThanDays: number, now: number = Date.now()): Promise<string[]> {
  // 0 would take recordings still being written.
  if (!(olderThanDays > 0)) throw new RangeError(`retention must be above 0 days, not ${olderThanDays}`);
  const cutoffMs = now - olderThanDays * DAY_MS;
  let names: string[];
  try {
    names = await fs.readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const removed: string[] = [];
  for (const name of names.sort()) {
    const match = RECORDING_FILE.exec(name);
    if (!match) continue;
    const file = path.join(folder, name);
    const stats = await lstatIfPresent(file);
    if (!stats?.isFile() || stats.mtimeMs >= cutoffMs) continue;
    if (match[2]) {
      if ((await lstatIfPresent(path.join(folder, `${match[1]}.cast`))) !== undefined) continue;
    } else {
      const seal = `${file}.sha256`;
      if ((await lstatIfPresent(seal))?.isFile() && (await removeIfPresent(seal))) removed.push(seal);
    }
    if (await removeIfPresent(file)) removed.push(file);
  }
  return removed;
}

async function lstatIfPresent(file: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** unlink removes a name, never what a symlink points at, so a swap after the lstat cannot reach outside. */
async function removeIfPresent(file: string): Promise<boolean> {
  try {
    await fs.unlink(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
