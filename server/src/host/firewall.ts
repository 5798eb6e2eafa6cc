// Host firewall for session bridges (DESIGN.md section 2): sessions may reach only the mirror and
// the package cache on the host; everything else is REJECTed (never DROPped: a DROP turns each
// failed lookup into a multi-second wait). The same chains exist for IPv6 (ip6tables), where sessions may
// reach nothing at all: Berth's services are IPv4 only, and a session has no IPv6 address anyway.
// Idempotent: the chains are rebuilt on every apply, and the jumps to them are kept first in INPUT and
// FORWARD (a rule another tool puts before them, an ACCEPT, would otherwise decide first).
import fs from 'node:fs';
import { run } from './run-command.js';

export const SESSION_IFACES = 'berth+';
const INPUT_CHAIN = 'BERTH-INPUT';
const FORWARD_CHAIN = 'BERTH-FORWARD';

export interface FirewallOptions {
  serviceIp: string;
  allowedPorts: number[];
}

type Rule = { chain: string; rule: string[] };
type Family = { cmd: 'iptables' | 'ip6tables'; rules: Rule[] };

/** The jumps into Berth's chains, which must come first in the host's chains, in this order. */
const JUMPS: Record<'INPUT' | 'FORWARD', string[][]> = {
  INPUT: [['-i', SESSION_IFACES, '-j', INPUT_CHAIN]],
  // The order earlier Berths left them in (each was inserted at 1), so an upgrade moves nothing.
  FORWARD: [
    ['-o', SESSION_IFACES, '-j', FORWARD_CHAIN],
    ['-i', SESSION_IFACES, '-j', FORWARD_CHAIN],
  ],
};

const rejectAll = (chain: string, unreachable: string): Rule[] => [
  { chain, rule: ['-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'] },
  { chain, rule: ['-j', 'REJECT', '--reject-with', unreachable] },
];

export function firewallRules(o: FirewallOptions): Rule[] {
  return [
    { chain: INPUT_CHAIN, rule: ['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT'] },
    ...o.allowedPorts.map((port) => ({
      chain: INPUT_CHAIN,
      rule: ['-d', `${o.serviceIp}/32`, '-p', 'tcp', '--dport', String(port), '-j', 'ACCEPT'],
    })),
    ...rejectAll(INPUT_CHAIN, 'icmp-port-unreachable'),
    // Replies to connections the host opened (the port proxy) come back through INPUT, not FORWARD.
    ...rejectAll(FORWARD_CHAIN, 'icmp-port-unreachable'),
  ];
}

/** IPv6: nothing on the host or beyond it is for sessions. */
export function firewall6Rules(): Rule[] {
  return [...rejectAll(INPUT_CHAIN, 'icmp6-port-unreachable'), ...rejectAll(FORWARD_CHAIN, 'icmp6-port-unreachable')];
}

/** A kernel booted without IPv6 has no ip6tables tables to fill (and no IPv6 path to close). */
const hostHasIpv6 = () => fs.existsSync('/proc/net/if_inet6');

function families(o: FirewallOptions): Family[] {
  return [{ cmd: 'iptables', rules: firewallRules(o) }, ...(hostHasIpv6() ? [{ cmd: 'ip6tables' as const, rules: firewall6Rules() }] : [])];
}

export async function applyFirewall(o: FirewallOptions): Promise<void> {
  for (const { cmd, rules } of families(o)) {
    for (const chain of [INPUT_CHAIN, FORWARD_CHAIN]) {
      await run(cmd, ['-w', '-N', chain], { allowFailure: true });
      await run(cmd, ['-w', '-F', chain]);
    }
    for (const { chain, rule } of rules) await run(cmd, ['-w', '-A', chain, ...rule]);
    for (const chain of ['INPUT', 'FORWARD'] as const) await putJumpsFirst(cmd, chain);
  }
}

/** The host watch's check: restores the rules when they are missing, emptied, or no longer first. */
export async function ensureFirewall(o: FirewallOptions): Promise<boolean> {
  if (await firewallActive(o)) return false;
  await applyFirewall(o);
  return true;
}

export async function removeFirewall(): Promise<void> {
  for (const cmd of ['iptables', ...(hostHasIpv6() ? ['ip6tables'] : [])]) {
    for (const chain of ['INPUT', 'FORWARD'] as const) {
      for (const rule of JUMPS[chain]) {
        while ((await run(cmd, ['-w', '-D', chain, ...rule], { allowFailure: true })).code === 0);
      }
    }
    for (const chain of [INPUT_CHAIN, FORWARD_CHAIN]) {
      await run(cmd, ['-w', '-F', chain], { allowFailure: true });
      await run(cmd, ['-w', '-X', chain], { allowFailure: true });
    }
  }
}

/** True when, for each address family, Berth's chains hold all their rules and the jumps to them come first. */
export async function firewallActive(o: FirewallOptions): Promise<boolean> {
  for (const { cmd, rules } of families(o)) {
    const listed = await run(cmd, ['-w', '-S'], { allowFailure: true });
    if (listed.code !== 0) return false;
    const lines = listed.stdout.split('\n');
    const appended = (chain: string) => lines.filter((l) => l.startsWith(`-A ${chain} `));
    for (const chain of ['INPUT', 'FORWARD'] as const) {
      const expected = JUMPS[chain].map((rule) => `-A ${chain} ${rule.join(' ')}`);
      if (appended(chain).slice(0, expected.length).join('\n') !== expected.join('\n')) return false;
    }
    for (const chain of [INPUT_CHAIN, FORWARD_CHAIN]) {
      const have = appended(chain);
      const want = rules.filter((r) => r.chain === chain);
      // iptables -S rewrites rules (adds -m tcp, reorders states): their number and the final REJECT are compared.
      if (have.length !== want.length || !/-j REJECT/.test(have.at(-1) ?? '')) return false;
    }
  }
  return true;
}

/** Puts the jumps at the head of the host chain, then removes any other copy of them further down. */
async function putJumpsFirst(cmd: string, chain: 'INPUT' | 'FORWARD'): Promise<void> {
  const jumps = JUMPS[chain].map((rule) => `-A ${chain} ${rule.join(' ')}`);
  const rulesOf = async () => (await run(cmd, ['-w', '-S', chain])).stdout.split('\n').filter((l) => l.startsWith('-A '));
  if ((await rulesOf()).slice(0, jumps.length).join('\n') === jumps.join('\n')) return;
  // Inserted before they are removed elsewhere: the session bridges are never without their rules.
  for (const [i, rule] of JUMPS[chain].entries()) await run(cmd, ['-w', '-I', chain, String(i + 1), ...rule]);
  const rules = await rulesOf();
  for (let n = rules.length; n > jumps.length; n--) {
    if (jumps.includes(rules[n - 1]!)) await run(cmd, ['-w', '-D', chain, String(n)]);
  }
}
