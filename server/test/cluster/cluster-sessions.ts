// What the cluster's session tests share: a Berth server on the cluster (no pool: every sandbox is a visitor's),
// sessions placed by LXD, and where each landed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LxdRuntime } from '../../src/runtime/lxd/lxd-runtime.js';
import { createSandboxRuntime } from '../../src/app.js';
import { createSession, startTestServer, TerminalClient, type CreatedSession, type TestServer } from '../helpers.js';

export async function clusterServer() {
  const server = await startTestServer({ BERTH_READY_TIMEOUT_MS: '120000', BERTH_POOL_SIZE: '0' });
  const runtime = createSandboxRuntime(server.config) as LxdRuntime;
  const where = async (s: CreatedSession) => (await runtime.api.request<{ location: string }>('GET', `/1.0/instances/${runtime.name(s.id)}`)).location;
  return { server, runtime, where };
}

/** Three sessions at the prompt, started one after another (LXD puts each on the member with the fewest
 * instances), and one not on m1: the server reaches the cluster by m1's socket. */
export async function sessionsOnMembers(server: TestServer, where: (s: CreatedSession) => Promise<string>) {
  const sessions: { s: CreatedSession; term: TerminalClient; member: string }[] = [];
  for (let i = 0; i < 3; i++) {
    const s = await createSession(server);
    const term = await TerminalClient.connect(server, s);
    await term.ready(120_000);
    sessions.push({ s, term, member: await where(s) });
  }
  const notFirst = sessions.find((x) => x.member !== 'm1');
  assert.ok(notFirst, `placed on: ${sessions.map((x) => x.member).join(', ')}`);
  return { sessions, notFirst };
}

const clusterScriptPath = new URL('../../../native/lxd/lxd-cluster.sh', import.meta.url).pathname;

/** native/lxd/lxd-cluster.sh (kill N, start N: the latter waits until the member is Online again), without
 * blocking this process's event loop, which runs the Berth server under test too. */
export async function clusterScript(...args: string[]): Promise<string> {
  return (await promisify(execFile)(clusterScriptPath, args, { encoding: 'utf8' })).stdout;
}
