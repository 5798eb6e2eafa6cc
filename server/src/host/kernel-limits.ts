// Kernel limits a host full of sessions outgrows. Every session container is started (by runc, with a
// session keyring of its own) as the same remapped uid, and the kernel's per-user key quota (200 keys,
// 20 000 bytes by default) counts them all: the 101st session failed to start with "unable to create
// session key: disk quota exceeded". Limits are only ever raised here, never lowered.
import fs from 'node:fs';

/** Room for a few thousand sessions' keyrings for one (the remapped) user. */
const AT_LEAST: Record<string, number> = {
  '/proc/sys/kernel/keys/maxkeys': 20_000,
  '/proc/sys/kernel/keys/maxbytes': 2_000_000,
};

/** Returns what was raised, as "file: old -> new". */
export function raiseKernelLimits(): string[] {
  const raised: string[] = [];
  for (const [file, wanted] of Object.entries(AT_LEAST)) {
    const now = Number(fs.readFileSync(file, 'utf8').trim());
    if (now >= wanted) continue;
    fs.writeFileSync(file, String(wanted));
    raised.push(`${file.replace('/proc/sys/', '').replaceAll('/', '.')}: ${now} -> ${wanted}`);
  }
  return raised;
}
