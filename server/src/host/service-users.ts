// The unprivileged system users the registry mirror and the package cache run as (the engine stays root).
// Debian's packages create them; Berth creates one that is missing, and hands each its data folders.
import fs from 'node:fs';
import path from 'node:path';
import { run } from './run-command.js';

export interface ServiceUser {
  name: string;
  /** Its home as the Debian package makes it (not created here). */
  home: string;
}

export const MIRROR_USER: ServiceUser = { name: 'docker-registry', home: '/var/lib/docker-registry' };
export const APT_CACHE_USER: ServiceUser = { name: 'apt-cacher-ng', home: '/var/cache/apt-cacher-ng' };

export interface Ids {
  uid: number;
  gid: number;
}

export async function ensureServiceUser(user: ServiceUser): Promise<void> {
  if ((await run('id', ['-u', user.name], { allowFailure: true })).code === 0) return;
  await run('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', user.home, '--shell', '/usr/sbin/nologin', user.name]);
}

export async function userIds(name: string): Promise<Ids> {
  const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Makes `dir` and everything in it the user's, once: a folder the user already owns is left as it is (the
 * service manages its contents). Call it while the service is stopped (e.g. data a root-run service left).
 * Symlinks are never followed and a file with a second name (a hard link) is not taken over, so nothing in
 * the folder can make root give the user a file of the host's.
 */
export function handOver(dir: string, ids: Ids): void {
  fs.mkdirSync(dir, { recursive: true });
  if (fs.lstatSync(dir).uid === ids.uid) return;
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
    else if (!st.isSymbolicLink() && st.nlink > 1) return;
    if (st.uid !== ids.uid || st.gid !== ids.gid) fs.lchownSync(p, ids.uid, ids.gid);
  };
  // Depth first, the folder itself last: an interrupted hand-over is finished at the next start.
  walk(dir);
}
