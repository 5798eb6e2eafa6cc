// Which members of an LXD cluster are not Online (a daemon that stopped answering goes Offline after LXD's
// heartbeats miss, cluster.offline_threshold; an evacuated one is Evacuated). Asked for every session's
// "still running?" each second: one members call per MAX_AGE_MS for the whole runtime, none when LXD is alone.
import type { LxdApi } from './lxd-api.js';

const MAX_AGE_MS = 2000;

interface Member {
  server_name: string;
  status: string;
}

export class ClusterMembers {
  private clustered: boolean | undefined;
  private down = new Map<string, string>();
  private at = 0;
  private pending: Promise<Map<string, string>> | undefined;

  constructor(private readonly api: LxdApi) {}

  /** The members that are not Online now, with their status (Offline, Evacuated…); none when LXD is alone. */
  async notOnline(): Promise<Map<string, string>> {
    if (this.clustered === false || Date.now() - this.at < MAX_AGE_MS) return this.down;
    this.pending ??= this.refresh().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async refresh(): Promise<Map<string, string>> {
    this.clustered ??= (await this.api.request<{ enabled: boolean }>('GET', '/1.0/cluster', undefined, 5000)).enabled;
    if (this.clustered) {
      const members = await this.api.request<Member[]>('GET', '/1.0/cluster/members?recursion=1', undefined, 5000);
      this.down = new Map(members.filter((m) => m.status !== 'Online').map((m) => [m.server_name, m.status]));
    }
    this.at = Date.now();
    return this.down;
  }
}
