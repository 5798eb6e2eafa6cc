// Host firewall for session bridges (DESIGN.md section 2): sessions may reach only the mirror and
// the package cache on the host; everything else is REJECTed (never DROPped: a DROP turns each
// failed lookup into a multi-second wait). Idempotent: the chains are rebuilt on every call.
import { run } from './run-command.js';

export const SESSION_IFACES = 'berth+';
const INPUT_CHAIN = 'BERTH-INPUT';
const FORWARD_CHAIN = 'BERTH-FORWARD';

export interface FirewallOptions {
  serviceIp: string;
  allowedPorts: number[];
}

export function firewallRules(o: FirewallOptions): { chain: string; rule: string[] }[] {
  const reject = (chain: string) => [
    { chain, rule: ['-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'] },
    { chain, rule: ['-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'] },
  ];
  return [
    { chain: INPUT_CHAIN, rule: ['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT'] },
    ...o.allowedPorts.map((port) => ({
      chain: INPUT_CHAIN,
      rule: ['-d', `${o.serviceIp}/32`, '-p', 'tcp', '--dport', String(port), '-j', 'ACCEPT'],
    })),
    ...reject(INPUT_CHAIN),
    // Replies to connections the host opened (the port proxy) come back through INPUT, not FORWARD.
    ...reject(FORWARD_CHAIN),
  ];
}

export async function applyFirewall(o: FirewallOptions): Promise<void> {
  for (const chain of [INPUT_CHAIN, FORWARD_CHAIN]) {
    await run('iptables', ['-w', '-N', chain], { allowFailure: true });
    await run('iptables', ['-w', '-F', chain]);
  }
  for (const { chain, rule } of firewallRules(o)) await run('iptables', ['-w', '-A', chain, ...rule]);
  await ensureJump('INPUT', ['-i', SESSION_IFACES, '-j', INPUT_CHAIN]);
  await ensureJump('FORWARD', ['-i', SESSION_IFACES, '-j', FORWARD_CHAIN]);
  await ensureJump('FORWARD', ['-o', SESSION_IFACES, '-j', FORWARD_CHAIN]);
}

export async function removeFirewall(): Promise<void> {
  const jumps: [string, string[]][] = [
    ['INPUT', ['-i', SESSION_IFACES, '-j', INPUT_CHAIN]],
    ['FORWARD', ['-i', SESSION_IFACES, '-j', FORWARD_CHAIN]],
    ['FORWARD', ['-o', SESSION_IFACES, '-j', FORWARD_CHAIN]],
  ];
  for (const [chain, rule] of jumps) {
    while ((await run('iptables', ['-w', '-D', chain, ...rule], { allowFailure: true })).code === 0);
  }
  for (const chain of [INPUT_CHAIN, FORWARD_CHAIN]) {
    await run('iptables', ['-w', '-F', chain], { allowFailure: true });
    await run('iptables', ['-w', '-X', chain], { allowFailure: true });
  }
}

export async function firewallActive(): Promise<boolean> {
  return (await run('iptables', ['-w', '-C', 'INPUT', '-i', SESSION_IFACES, '-j', INPUT_CHAIN], { allowFailure: true })).code === 0;
}

async function ensureJump(chain: string, rule: string[]): Promise<void> {
  const present = await run('iptables', ['-w', '-C', chain, ...rule], { allowFailure: true });
  if (present.code !== 0) await run('iptables', ['-w', '-I', chain, '1', ...rule]);
}
