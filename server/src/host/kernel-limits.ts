// Kernel limits a host full of sessions outgrows. Every session container is started (by runc, with a
// session keyring of its own) as the same remapped uid, and the kernel's per-user key quota (200 keys,
// 20 000 bytes by default) counts them all: the 101st session failed to start with "unable to create
// session key: disk quota exceeded".
// Every network namespace also shares the host's TCP hash table unless told otherwise, and reading a
// session's /proc/net/tcp (the port watch, every second) walks all of it: 6 ms of kernel time per read here,
// 60% of both cores with 100 idle sessions. A small table per session makes the read as cheap as any file
// (Linux 6.1+; it applies to namespaces made afterwards). Limits are only ever raised here, never lowered.
import fs from 'node:fs';

const AT_LEAST: Record<string, number> = {
  // Room for a few thousand sessions' keyrings for one (the remapped) user.
  '/proc/sys/kernel/keys/maxkeys': 20_000,
  '/proc/sys/kernel/keys/maxbytes': 2_000_000,
  // 0 = share the host's table; a session's few dozen sockets fit 1024 buckets.
  '/proc/sys/net/ipv4/tcp_child_ehash_entries': 1024,
};

/** Returns what was raised, as "file: old -> new". */
export function raiseKernelLimits(): string[] {
  const raised: string[] = [];
  for (const [file, wanted] of Object.entries(AT_LEAST)) {
    if (!fs.existsSync(file)) continue; // an older kernel without this setting
    const now = Number(fs.readFileSync(file, 'utf8').trim());
    if (now >= wanted) continue;
    fs.writeFileSync(file, String(wanted));
    raised.push(`${file.replace('/proc/sys/', '').replaceAll('/', '.')}: ${now} -> ${wanted}`);
  }
  return raised;
}
