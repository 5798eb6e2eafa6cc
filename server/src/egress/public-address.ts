// Where the egress proxy may connect: an address on the internet, never one of the host's own networks.
// A name an operator allowed may still resolve (now, or after a DNS change: rebinding) to loopback, a
// private or link-local network, the cloud metadata address or Berth's service address: every address a
// name resolves to is checked before the proxy connects, and it connects to that checked address.
import net from 'node:net';

const blocked = new net.BlockList();
for (const [net4, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  // The benchmarking range, which holds Berth's service address (198.18.0.1 by default).
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net4, prefix, 'ipv4');
}
for (const [net6, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['100::', 64],
] as const) {
  blocked.addSubnet(net6, prefix, 'ipv6');
}

/** True when the proxy may connect to this address (`extra`: more addresses to refuse, e.g. the service address). */
export function isPublicAddress(address: string, extra: readonly string[] = []): boolean {
  const family = net.isIP(address);
  if (family === 0 || extra.includes(address)) return false;
  if (family === 4) return !blocked.check(address, 'ipv4');
  const lower = address.toLowerCase();
  // IPv4 inside IPv6 (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d, compatible ::a.b.c.d): the IPv4 decides.
  const embedded = embeddedIpv4(lower);
  if (embedded !== undefined) return embedded !== null && isPublicAddress(embedded, extra);
  return !blocked.check(lower, 'ipv6');
}

/** The IPv4 address an IPv6 address carries, undefined when it carries none, null when unreadable. */
function embeddedIpv4(v6: string): string | null | undefined {
  const words = expandIpv6(v6);
  if (!words) return null;
  const high = words.slice(0, 6).map((w) => w.toString(16)).join(':');
  const carries = high === '0:0:0:0:0:ffff' || high === '64:ff9b:0:0:0:0' || (high === '0:0:0:0:0:0' && words[6] !== 0);
  if (!carries) return undefined;
  return [words[6]! >> 8, words[6]! & 255, words[7]! >> 8, words[7]! & 255].join('.');
}

function expandIpv6(v6: string): number[] | null {
  let text = v6;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const b = dotted[1]!.split('.').map(Number);
    text = text.slice(0, -dotted[1]!.length) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const words = [...h, ...Array(fill).fill('0'), ...t].map((w) => parseInt(w, 16));
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : null;
}
