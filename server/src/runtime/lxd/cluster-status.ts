// `berth cluster status`: what an operator checks before and after growing Berth from one box to several — the
// LXD cluster's members, whether each answers, and how many of this Berth's sandboxes each holds.
import { LxdApi } from './lxd-api.js';
import { sandboxIdOf, socketMember } from './sandbox-placement.js';

interface Member {
  server_name: string;
  url: string;
  status: string;
  message: string;
  roles: string[] | null;
}

interface Instance {
  name: string;
  status: string;
  location?: string;
  config: Record<string, string> | null;
}

export interface MemberStatus {
  name: string;
  address: string;
  status: string;
  message: string;
  database: boolean;
  /** This Berth's sandboxes there (running / all); instances of an away member carry no keys: counted by name. */
  sandboxes: { running: number; all: number };
  /** The member whose socket was asked: this machine's, unless BERTH_LXD_MEMBER names another. */
  socket: boolean;
}

/** The members and this Berth's sandboxes on each; null when LXD is not clustered (one machine). */
export async function clusterStatus(socketPath: string, instance: string): Promise<MemberStatus[] | null> {
  const api = new LxdApi(socketPath);
  try {
    const { enabled } = await api.request<{ enabled: boolean }>('GET', '/1.0/cluster', undefined, 5000);
    if (!enabled) return null;
    const [members, instances, here] = await Promise.all([
      api.request<Member[]>('GET', '/1.0/cluster/members?recursion=1', undefined, 10_000),
      api.request<Instance[]>('GET', '/1.0/instances?recursion=1', undefined, 30_000),
      socketMember(api),
    ]);
    const ours = instances.filter((i) => sandboxIdOf(i, instance) !== undefined);
    return members.map((m) => {
      const there = ours.filter((i) => i.location === m.server_name);
      return {
        name: m.server_name,
        address: m.url,
        status: m.status,
        message: m.message,
        database: (m.roles ?? []).includes('database'),
        sandboxes: { running: there.filter((i) => i.status === 'Running').length, all: there.length },
        socket: m.server_name === here,
      };
    });
  } finally {
    api.close();
  }
}

/** The status as an operator reads it: one line per member, then what to do about any that is not Online. */
export function clusterStatusText(members: MemberStatus[] | null, socketPath: string, named: string | undefined): string {
  if (!members) return `LXD at ${socketPath} is one machine, not a cluster: every sandbox runs here.`;
  const here = named ?? members.find((m) => m.socket)?.name;
  const rows = [['member', 'address', 'status', 'database', 'sandboxes (running/all)'], ...members.map((m) => [
    m.name + (m.name === here ? ' (this machine)' : ''),
    m.address,
    m.status,
    m.database ? 'yes' : 'no',
    `${m.sandboxes.running}/${m.sandboxes.all}`,
  ])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
  const away = members.filter((m) => m.status !== 'Online');
  for (const m of away) {
    lines.push('', `${m.name} is ${m.status}${m.message ? ` (${m.message})` : ''}: its visitors' sessions were ended and new ones start on the other members.`);
    lines.push(m.status === 'Evacuated' ? `  When its maintenance is done: lxc cluster restore ${m.name}` : `  Start its LXD daemon again; Berth removes what is left of its sandboxes once it answers.`);
  }
  if (named && !members.some((m) => m.name === named)) lines.push('', `BERTH_LXD_MEMBER names "${named}", which is not a member: set it to this machine's member name, or leave it unset.`);
  return lines.join('\n');
}
