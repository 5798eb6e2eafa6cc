// The lxd runtime on a 3-member LXD cluster (native/lxd/lxd-cluster.sh, the tests' cluster on this machine):
// where LXD places 9 sessions started 3 at a time, and how long the visitors of a member whose daemon is killed
// wait: until their pages say their sandbox's machine was lost, and until the new sessions they start are at
// the prompt on the members still there. Forms the cluster when it is not up, and takes it down again after.
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../config.js';
import { LxdApi } from '../runtime/lxd/lxd-api.js';
import { instanceNamePrefix } from '../runtime/lxd/sandbox-placement.js';
import type { Row } from './bench-table.js';
import { startBenchApp, startPhases, startSession } from './bench-app.js';

const script = path.resolve(import.meta.dirname, '..', '..', '..', 'native', 'lxd', 'lxd-cluster.sh');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function clusterBench(config: Config, rows: Row[]): Promise<void> {
  const socket = execFileSync(script, ['socket'], { encoding: 'utf8' }).trim();
  const api = new LxdApi(socket);
  const wasUp = await api.request('GET', '/1.0', undefined, 5000).then(() => true, () => false);
  if (!wasUp) execFileSync(script, ['up'], { stdio: 'inherit' });
  const { berth, url } = await startBenchApp({ ...config, runtime: 'lxd', lxd: { ...config.lxd, socket, member: undefined } }, 'bench-cluster');
  const name = (id: string) => `${instanceNamePrefix('bench-cluster')}${id}`;
  const where = async (id: string) => (await api.request<{ location: string }>('GET', `/1.0/instances/${name(id)}`)).location;
  const started: Awaited<ReturnType<typeof startSession>>[] = [];
  let killed: string | undefined;
  let lostIds: string[] = [];
  try {
    for (let i = 0; i < 3; i++) started.push(...(await Promise.all([0, 1, 2].map(() => startSession(url)))));
    const placed = new Map<string, string[]>();
    for (const p of started) {
      const member = await where(p.s.id);
      placed.set(member, [...(placed.get(member) ?? []), p.s.id]);
    }
    const members = [...placed.keys()].sort();
    rows.push({ what: 'cluster: sessions LXD placed per member (9 started 3 at a time)', figure: members.map((m) => `${m} ${placed.get(m)!.length}`).join(' | '), target: 'spread over the 3' });

    // Not m1: the server reaches the cluster by its socket.
    const member = members.filter((m) => m !== 'm1').sort((a, b) => placed.get(b)!.length - placed.get(a)!.length)[0]!;
    const lost = started.filter((p) => placed.get(member)!.includes(p.s.id));
    lostIds = lost.map((p) => p.s.id);
    const t0 = performance.now();
    killed = member.slice(1);
    await clusterScript(['kill', killed]);
    await Promise.all(lost.map((p) => p.term.waitForEvent((e) => e.type === 'status' && e.state === 'ended', 120_000, 'the lost session to end')));
    const told = performance.now() - t0;
    const before = await startPhases(url);
    const fresh = await Promise.all(lost.map(() => startSession(url)));
    started.push(...fresh);
    const again = performance.now() - t0;
    const after = await startPhases(url);
    rows.push({ what: `cluster: a member's daemon killed (${lost.length} sessions on it): pages told / new sessions at the prompt`, figure: `${seconds(told)} / ${seconds(again)}`, target: '-' });
    // Where the new sessions' time went: each start's phases (LXD's create, its start, until the shell, until the
    // engine). A start's phases are counted once its engine is up, which may come after its prompt.
    const n = after.count - before.count;
    const phase = (k: string) => seconds(((after.ms[k] ?? 0) - (before.ms[k] ?? 0)) / Math.max(n, 1));
    rows.push({ what: `cluster: the new sandboxes whose engine was up by then (${n}), on average: create / start / shell / engine`, figure: `${phase('disk')} / ${phase('container')} / ${phase('shell')} / ${phase('engine')}`, target: '-' });
    rows.push({ what: 'cluster: those new sessions, slowest: created / ready / prompt', figure: `${seconds(Math.max(...fresh.map((f) => f.created)))} / ${seconds(Math.max(...fresh.map((f) => f.ready)))} / ${seconds(Math.max(...fresh.map((f) => f.prompt)))}`, target: '-' });
  } finally {
    for (const p of started) await p.term.close().catch(() => {});
    if (killed) {
      // Back: the server removes what is left of the lost sessions (sessions/lost-hosts.ts) before it stops.
      await clusterScript(['start', killed]);
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline && (await berth.runtime.listSandboxes()).some((id) => lostIds.includes(id))) await new Promise((r) => setTimeout(r, 1000));
    }
    await berth.close();
    api.close();
    if (!wasUp) execFileSync(script, ['down'], { stdio: 'inherit' });
  }
}

/** The cluster script while the bench's Berth server runs in this process: its event loop must not stop meanwhile. */
function clusterScript(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(script, args, { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`lxd-cluster.sh ${args.join(' ')} exited ${code}`))));
  });
}
