// Each session's home and its inner engine's data-root live on one sparse ext4 file of its own,
// loop-mounted on the host: filling it gives ENOSPC in that session only. The disk holds two folders,
// bind-mounted apart into the sandbox so that the engine's data is never inside the learner's home (a
// `docker build .` in ~ would send it as build context and fail on the engine's own files):
//   <mount>/user   -> /home/user       (the learner's home)
//   <mount>/docker -> /var/lib/docker  (the rootless engine's --data-root)
// Disks made before this layout hold the home at their root (engine data in ~/.local/share/docker); their
// sandboxes keep their own binds, and the mount point is the same, so they are adopted and removed as before.
import fs from 'node:fs';
import path from 'node:path';
import { isMounted } from '../host/mount-table.js';
import { run } from '../host/run-command.js';

/**
 * A session disk's helpers outlive a signal to the server's process group (a Ctrl-C, a supervisor's SIGTERM):
 * one ended halfway as the server stops can leave a disk mounted after its session.
 */
const UNCUT = { ownGroup: true };

export interface SessionDiskFolders {
  /** Host folder the sandbox sees as /home/user. */
  home: string;
  /** Host folder the sandbox sees as /var/lib/docker. */
  engineData: string;
}

export class SessionDisks {
  constructor(
    /** $BERTH_DATA/sessions/<instance> */
    private readonly root: string,
    /** The quota each session's disk is made with. */
    readonly sizeBytes: number,
    /** Host uid/gid that the session's uid 1000 maps to. */
    private readonly ownerId: number,
  ) {}

  dir(id: string) {
    return path.join(this.root, id);
  }
  image(id: string) {
    return path.join(this.dir(id), 'disk.ext4');
  }
  /** Where the disk is mounted on the host (named "home" since the disk held only the home; kept for adoption). */
  mountPoint(id: string) {
    return path.join(this.dir(id), 'home');
  }

  async create(id: string): Promise<SessionDiskFolders> {
    const mnt = this.mountPoint(id);
    fs.mkdirSync(mnt, { recursive: true, mode: 0o700 });
    const img = this.image(id);
    const fd = fs.openSync(img, 'w', 0o600);
    fs.ftruncateSync(fd, this.sizeBytes);
    fs.closeSync(fd);
    // -m 0: no blocks reserved for a root that does not exist in a session; lazy init keeps mkfs fast.
    // The disk's root (with lost+found) stays the host root's; the sandbox sees only the two folders.
    await run('mkfs.ext4', [
      '-q', '-F', '-m', '0',
      '-E', 'root_owner=0:0,lazy_itable_init=1,lazy_journal_init=1,nodiscard',
      img,
    ], UNCUT);
    // discard: space freed inside the session is punched out of the sparse file, back to the host.
    await run('mount', ['-o', 'loop,discard,nosuid,nodev', img, mnt], UNCUT);
    const folders = { home: path.join(mnt, 'user'), engineData: path.join(mnt, 'docker') };
    // Modes as on a Docker host: a home anyone may enter, an engine root only its owner reads.
    for (const [dir, mode] of [[folders.home, 0o755], [folders.engineData, 0o710]] as const) {
      await fs.promises.mkdir(dir, { mode });
      await fs.promises.chown(dir, this.ownerId, this.ownerId);
      await fs.promises.chmod(dir, mode);
    }
    return folders;
  }

  async remove(id: string): Promise<void> {
    const mnt = this.mountPoint(id);
    if (await isMounted(mnt)) {
      const r = await run('umount', [mnt], { allowFailure: true, ...UNCUT });
      if (r.code !== 0) await run('umount', ['-l', mnt], { allowFailure: true, ...UNCUT });
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

  /** The whole disk: the home and the engine's images, containers and volumes together. */
  async usage(id: string): Promise<{ used: number; total: number }> {
    const s = await fs.promises.statfs(this.mountPoint(id));
    return { used: (s.blocks - s.bfree) * s.bsize, total: s.blocks * s.bsize };
  }
}
