// Whether a folder is a mount point, read from the kernel's mount table, not asked of `mountpoint`: a helper
// can be ended by the signal that stops the server (its whole process group) and would then answer "no".
import fs from 'node:fs';

export async function isMounted(dir: string): Promise<boolean> {
  // The table names real paths: a folder reached through a symlink is looked up by where it leads.
  const real = await fs.promises.realpath(dir).catch(() => null);
  if (!real) return false;
  const mounts = await fs.promises.readFile('/proc/self/mountinfo', 'utf8');
  // The fifth field, with a space as \040 (proc_pid_mountinfo(5)); Berth's own paths have none.
  return mounts.split('\n').some((line) => line.split(' ')[4] === real);
}
