// The disk holding BERTH_DATA (the store, session disks): when it is full, no session can start and
// nothing can be saved. Berth says so in words that name the disk, and keeps serving what it can.
import fs from 'node:fs';
import { formatSize } from '../config.js';
import { HttpError } from '../errors.js';

/** A session's start writes a few MB here (its disk's metadata, its engine's first files) and then grows. */
export const MIN_FREE_TO_START = 64 * 2 ** 20;

export class DataDiskFullError extends HttpError {
  constructor(dataDir: string, freeBytes: number | null) {
    super(
      507,
      `The server's disk is full (BERTH_DATA, ${dataDir}${freeBytes === null ? '' : `: ${formatSize(freeBytes)} free`}): no new session can start and progress cannot be saved until space is freed there. Sessions already running go on.`,
    );
  }
}

/** A write failed for lack of space: SQLite's "database or disk is full", or ENOSPC from a file or a command. */
export function isDiskFull(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e) return false;
  if (e.code === 'SQLITE_FULL' || e.code === 'ENOSPC') return true;
  return typeof e.message === 'string' && /No space left on device/.test(e.message);
}

export class DataDisk {
  constructor(readonly dir: string) {}

  freeBytes(): number {
    const s = fs.statfsSync(this.dir);
    return s.bavail * s.bsize;
  }

  /** Throws a 507 naming the disk when a new session would not have room to start. */
  requireRoomToStart(): void {
    const free = this.freeBytes();
    if (free < MIN_FREE_TO_START) throw new DataDiskFullError(this.dir, free);
  }

  fullError(): DataDiskFullError {
    let free: number | null = null;
    try {
      free = this.freeBytes();
    } catch {
      // the folder is gone or unreadable: say it without a figure
    }
    return new DataDiskFullError(this.dir, free);
  }
}
