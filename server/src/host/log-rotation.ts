// Size-based rotation of the host services' logs (no logrotate runs on these hosts). The daemons outlive the
// server and keep their log open, so rotation copies the file and truncates it in place: every writer opened
// it with O_APPEND (Berth opens the daemons' output with 'a'; apt-cacher-ng its own logs), so its next line
// lands at the new start, not after a hole. Lines written between the copy and the truncation are lost.
import fs from 'node:fs';

export interface RotationLimits {
  /** A log reaching this size is rotated. */
  maxBytes: number;
  /** Rotated files kept beside the live one: file.1 (newest) … file.<keep>. */
  keep: number;
}

export const LOG_LIMITS: RotationLimits = { maxBytes: 10 * 1024 * 1024, keep: 2 };

const { O_RDWR, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;

/**
 * Rotates `file` when it has reached maxBytes; returns whether it did. Paths only ever opened without following
 * a symlink, and a file with another name (a hard link) is left alone: a log folder may belong to the service's
 * own user, who must not get root to copy over or truncate a file of the host's.
 */
export function rotateLog(file: string, limits: RotationLimits = LOG_LIMITS): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, O_RDWR | O_NOFOLLOW);
  } catch {
    return false; // absent, or a symlink (ELOOP)
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.nlink !== 1 || st.size < limits.maxBytes) return false;
    for (let i = limits.keep - 1; i >= 1; i--) {
      // rename() moves names, never what a symlink points at.
      if (exists(`${file}.${i}`)) fs.renameSync(`${file}.${i}`, `${file}.${i + 1}`);
    }
    const copy = `${file}.1`;
    if (limits.keep >= 1) {
      if (exists(copy)) fs.rmSync(copy); // keep 1: the previous copy goes (rm unlinks a symlink, not its target)
      const out = fs.openSync(copy, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, st.mode & 0o666);
      try {
        copyToEnd(fd, out);
        fs.fchownSync(out, st.uid, st.gid);
      } finally {
        fs.closeSync(out);
      }
    }
    fs.ftruncateSync(fd, 0);
    return true;
  } finally {
    fs.closeSync(fd);
  }
}

/** Copies from the start of `from` to its end as it is when the copy gets there (the writer goes on meanwhile). */
function copyToEnd(from: number, to: number): void {
  const buf = Buffer.allocUnsafe(1024 * 1024);
  let pos = 0;
  for (;;) {
    const n = fs.readSync(from, buf, 0, buf.length, pos);
    if (n === 0) return;
    fs.writeSync(to, buf, 0, n);
    pos += n;
  }
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Rotates every log (*.log, *.err, *.dbg) in these folders that reached its limit. Never throws: a log that
 * cannot be rotated (another Berth server rotating it at the same moment, a full disk) is reported, and the
 * daemons' supervision goes on.
 */
export function rotateLogsIn(dirs: string[], limits: RotationLimits = LOG_LIMITS): { rotated: string[]; failed: string[] } {
  const rotated: string[] = [];
  const failed: string[] = [];
  for (const dir of dirs) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.filter((n) => /\.(log|err|dbg)$/.test(n))) {
      const file = `${dir}/${name}`;
      try {
        if (rotateLog(file, limits)) rotated.push(file);
      } catch (err) {
        failed.push(`${file}: ${(err as Error).message}`);
      }
    }
  }
  return { rotated, failed };
}
