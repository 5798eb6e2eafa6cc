// The tun device a session's rootless engine needs (slirp4netns makes its tap there). A fresh host of this
// kind boots with /dev/net/tun at 0600 root (no udev to make it 0666), and every sandbox then failed to
// start. Rather than open the host's node to every user, Berth makes a node of its own that only the
// sessions' uid can use, and bind-mounts that one into each session as /dev/net/tun.
// It lives under BERTH_DATA, not /run: /run is mounted nodev on a stock Debian host, and a device node on a
// nodev mount cannot be opened, not even through a bind mount (the flag is locked in a user namespace).
import fs from 'node:fs';
import path from 'node:path';
import { run } from './run-command.js';

export const TUN_MAJOR = 10;
export const TUN_MINOR = 200;

export function tunDevicePath(dataDir: string): string {
  return path.join(dataDir, 'dev', 'tun');
}

/** Makes (or fixes) the node: character 10:200, owned by the session's host uid and gid, mode 0600. */
export async function ensureTunDevice(file: string, uid: number, gid: number): Promise<'made' | 'fixed' | 'ok'> {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o711 });
  const st = fs.statSync(file, { throwIfNoEntry: false });
  const right = st?.isCharacterDevice() && st.rdev === deviceNumber(TUN_MAJOR, TUN_MINOR);
  if (!right) {
    if (st) fs.rmSync(file, { force: true });
    await run('mknod', ['-m', '0600', file, 'c', String(TUN_MAJOR), String(TUN_MINOR)]);
  }
  const now = fs.statSync(file);
  const owned = now.uid === uid && now.gid === gid && (now.mode & 0o777) === 0o600;
  if (!owned) {
    fs.chownSync(file, uid, gid);
    fs.chmodSync(file, 0o600);
  }
  return !right ? 'made' : owned ? 'ok' : 'fixed';
}

/** Linux's dev_t encoding as Node's stat reports it (new_encode_dev). */
function deviceNumber(major: number, minor: number): number {
  return (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12);
}
