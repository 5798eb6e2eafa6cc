// Each session's home (and so its inner engine's data-root) lives on a sparse ext4 file of its own,
// loop-mounted on the host: filling it gives ENOSPC in that session only.
import fs from 'node:fs';
import path from 'node:path';
import { run } from '../host/run-command.js';

export class SessionDisks {
  constructor(
    /** $BERTH_DATA/sessions/<instance> */
    private readonly root: string,
    private readonly sizeBytes: number,
    /** Host uid/gid that the session's uid 1000 maps to. */
    private readonly ownerId: number,
  ) {}

  dir(id: string) {
    return path.join(this.root, id);
  }
  image(id: string) {
    return path.join(this.dir(id), 'disk.ext4');
  }
  mountPoint(id: string) {
    return path.join(this.dir(id), 'home');
  }

  async create(id: string): Promise<string> {
    const mnt = this.mountPoint(id);
    fs.mkdirSync(mnt, { recursive: true, mode: 0o700 });
    const img = this.image(id);
    const fd = fs.openSync(img, 'w', 0o600);
    fs.ftruncateSync(fd, this.sizeBytes);
    fs.closeSync(fd);
    // -m 0: no blocks reserved for a root that does not exist in a session; lazy init keeps mkfs fast.
    await run('mkfs.ext4', [
      '-q', '-F', '-m', '0',
      '-E', `root_owner=${this.ownerId}:${this.ownerId},lazy_itable_init=1,lazy_journal_init=1,nodiscard`,
      img,
    ]);
    // discard: space freed inside the session is punched out of the sparse file, back to the host.
    await run('mount', ['-o', 'loop,discard,nosuid,nodev', img, mnt]);
    return mnt;
  }

  async remove(id: string): Promise<void> {
    const mnt = this.mountPoint(id);
    if (await isMounted(mnt)) {
      const r = await run('umount', [mnt], { allowFailure: true });
      if (r.code !== 0) await run('umount', ['-l', mnt], { allowFailure: true });
    }
    // Not rmSync: unlinking a filled 2 GB image took 589 ms here, a stall of every terminal on the server.
    await fs.promises.rm(this.dir(id), { recursive: true, force: true });
    // The instance's folder goes too once its last session is gone (test servers each have one).
    await fs.promises.rmdir(this.root).catch(() => {}); // not empty, or already gone
  }

  /** Ids that have a disk folder, mounted or not. */
  list(): string[] {
    return fs.existsSync(this.root) ? fs.readdirSync(this.root) : [];
  }

  async usage(id: string): Promise<{ used: number; total: number }> {
    const s = await fs.promises.statfs(this.mountPoint(id));
    return { used: (s.blocks - s.bfree) * s.bsize, total: s.blocks * s.bsize };
  }
}

async function isMounted(dir: string): Promise<boolean> {
  return (await run('mountpoint', ['-q', dir], { allowFailure: true })).code === 0;
}
