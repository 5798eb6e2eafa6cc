// Where each sandbox of the lxd runtime runs, and what follows from it. LXD places sandboxes (on a cluster, the
// member with the fewest instances); Berth remembers the member of each, learns which members are away
// (cluster-members.ts), reports the sandboxes on those as lost, keeps the ones it could not remove meanwhile
// for when their member is back, and dials a sandbox's address only where that address is this machine's.
import fs from 'node:fs';
import { SandboxError, type LostHost } from '../runtime.js';
import { ClusterMembers } from './cluster-members.js';
import type { LxdApi } from './lxd-api.js';
import { LXD_INSTANCE_KEY, LXD_SESSION_KEY } from './sandbox-instance.js';

export interface InstanceInfo {
  name: string;
  status: string;
  /** Its cluster member; 'none' when LXD is not clustered. */
  location?: string;
  /** null for an instance on a member that is away (LXD lists it by name and place only). */
  config: Record<string, string> | null;
}

/** How the LXD instance names of a Berth instance's sandboxes begin: berth-<instance>-<sandbox id>. */
export const instanceNamePrefix = (instance: string) => `berth-${instance}-`;

/** The sandbox id of one of a Berth instance's LXD instances: by its keys, or (its member away: no config) by its
 * name. */
export function sandboxIdOf(i: Pick<InstanceInfo, 'name' | 'config'>, instance: string): string | undefined {
  if (i.config) return i.config[LXD_INSTANCE_KEY] === instance ? i.config[LXD_SESSION_KEY] : undefined;
  const prefix = instanceNamePrefix(instance);
  const rest = i.name.startsWith(prefix) ? i.name.slice(prefix.length) : '';
  // Not another Berth instance whose name starts with this one's (ids have no dash).
  return rest && !rest.includes('-') ? rest : undefined;
}

export class SandboxPlacement {
  private readonly members: ClusterMembers;
  private readonly locations = new Map<string, string>();
  private readonly reach = new Map<string, boolean>();
  private readonly orphans = new Map<string, string>();
  private member?: Promise<string | undefined>;

  constructor(
    private readonly api: LxdApi,
    private readonly o: { instance: string; network: string; member?: string },
    private readonly nameOf: (id: string) => string,
  ) {
    this.members = new ClusterMembers(api);
  }

  /** Every instance on LXD (all members); the members of this Berth's sandboxes are noted on the way. */
  async list(): Promise<InstanceInfo[]> {
    const all = await this.api.request<InstanceInfo[]>('GET', '/1.0/instances?recursion=1');
    for (const i of all) {
      const id = this.idOf(i);
      if (id) this.locations.set(id, i.location || 'none');
    }
    return all;
  }

  idOf(i: InstanceInfo): string | undefined {
    return sandboxIdOf(i, this.o.instance);
  }

  /** The sandbox's member ('none' when LXD is alone). Asking the instance itself is forwarded to its member,
   * which fails while that member is away: then the instances list says. */
  async location(id: string): Promise<string> {
    if (!this.locations.has(id)) {
      const one = await this.api.request<{ location?: string }>('GET', `/1.0/instances/${encodeURIComponent(this.nameOf(id))}`, undefined, 10_000).catch(() => null);
      if (one) this.locations.set(id, one.location || 'none');
      else await this.list();
    }
    const where = this.locations.get(id);
    if (where === undefined) throw new SandboxError('the sandbox is gone');
    return where;
  }

  /** Whether the sandbox's member is away: it may still run there, but nothing reaches it through LXD. */
  async isAway(id: string): Promise<boolean> {
    // Members unknown (LXD not answering): not away by this account; the caller's own look at LXD says more.
    const away = await this.members.notOnline().catch(() => new Map<string, string>());
    return away.size > 0 && away.has(await this.location(id).catch(() => ''));
  }

  /** This Berth's sandboxes on members that are away, by id. */
  async lost(): Promise<Map<string, LostHost>> {
    const away = await this.members.notOnline();
    const lost = new Map<string, LostHost>();
    if (!away.size) return lost;
    for (const i of await this.list()) {
      const id = this.idOf(i);
      const status = i.location && away.get(i.location);
      if (id && status) lost.set(id, { host: i.location!, evacuated: status === 'Evacuated' });
    }
    return lost;
  }

  /**
   * A removal failed: the sandbox is kept to be removed at a later look, once its member answers. Whatever the
   * member's state now: a member coming back while the removal was failing (stop waits up to 30 s) is Online by
   * the time it fails, and the sandbox would be left running there for good (a cluster run, 1 in 3).
   */
  async removalFailed(id: string): Promise<void> {
    this.orphans.set(id, this.locations.get(id) ?? '');
  }

  /** Sandboxes kept by removalFailed whose member answers again (back, or evacuated: its daemon is there). */
  async orphansBack(): Promise<string[]> {
    if (!this.orphans.size) return [];
    const away = await this.members.notOnline();
    return [...this.orphans].filter(([, where]) => away.get(where) !== 'Offline').map(([id]) => id);
  }

  forget(id: string): void {
    this.locations.delete(id);
    this.reach.delete(id);
    this.orphans.delete(id);
  }

  /**
   * Whether this server reaches the sandbox at its address (berth-term, port links). Every member of a cluster
   * gives its sandboxes addresses on the same subnet: one on another member must never be dialled here, where
   * that address may be another visitor's sandbox. Here means: LXD alone (on this machine, as lxd-host.sh sets
   * it up), or the member named as this machine's whose sandbox's host-side NIC is on this machine's bridge.
   */
  async reachable(id: string, hostNic: () => Promise<string | undefined>): Promise<boolean> {
    const known = this.reach.get(id);
    if (known !== undefined) return known;
    const location = await this.location(id);
    let here = location === 'none';
    if (!here && location === (await this.memberHere())) {
      const nic = (await hostNic()) ?? '';
      const master = /^[\w.-]{1,15}$/.test(nic) ? await fs.promises.readlink(`/sys/class/net/${nic}/master`).catch(() => '') : '';
      here = master.endsWith(`/${this.o.network}`);
    }
    this.reach.set(id, here);
    return here;
  }

  /**
   * This machine's member: BERTH_LXD_MEMBER, else the member whose socket this server talks to (LXD's own
   * server_name), which is on this machine. Left unset after `berth cluster init`, every sandbox was otherwise
   * read through LXD (a state call, an exec), and 27 idle sessions kept its daemon 1.5 cores busy.
   */
  private memberHere(): Promise<string | undefined> {
    this.member ??= this.o.member !== undefined
      ? Promise.resolve(this.o.member)
      : socketMember(this.api).catch((err: unknown) => {
          this.member = undefined;
          throw err;
        });
    return this.member;
  }
}

/** The member whose socket `api` talks to (LXD's own server_name); undefined when LXD is not clustered. */
export async function socketMember(api: LxdApi): Promise<string | undefined> {
  const server = await api.request<{ environment?: { server_clustered?: boolean; server_name?: string } }>('GET', '/1.0', undefined, 10_000);
  return server.environment?.server_clustered ? server.environment.server_name : undefined;
}
