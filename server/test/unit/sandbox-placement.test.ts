// Where the lxd runtime's sandboxes run, with LXD's API as a fake: which are lost when a member is away, which
// removals wait for a member's return, and that no sandbox on another member is ever reached by its address.
// server/test/cluster proves the same on a real 3-member cluster.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import type { LxdApi } from '../../src/runtime/lxd/lxd-api.js';
import { SandboxPlacement } from '../../src/runtime/lxd/sandbox-placement.js';

function fakeLxd(o: { clustered: boolean; members?: Record<string, string>; instances: Record<string, string>; member?: string | null }) {
  const calls: string[] = [];
  const api = {
    request: async (method: string, path: string) => {
      calls.push(`${method} ${path}`);
      if (path === '/1.0/cluster') return { enabled: o.clustered };
      // The daemon whose socket is used: m1.
      if (path === '/1.0') return { environment: { server_clustered: o.clustered, server_name: o.clustered ? 'm1' : 'none' } };
      if (path === '/1.0/cluster/members?recursion=1') return Object.entries(o.members ?? {}).map(([server_name, status]) => ({ server_name, status }));
      if (path === '/1.0/instances?recursion=1') {
        // An instance on a member that is away comes by name and place only (no config).
        return Object.entries(o.instances).map(([id, location]) => ({ name: `berth-x-${id}`, status: 'Running', location, config: o.members?.[location] === 'Offline' ? null : { 'user.berth.instance': 'x', 'user.berth.session': id } }));
      }
      const one = /^\/1\.0\/instances\/berth-x-(\w+)$/.exec(path);
      const where = one && o.instances[one[1]!];
      // An instance on a member that is away cannot be asked for (LXD forwards the call to that member).
      if (where && o.members?.[where] !== 'Offline') return { location: where };
      throw new Error(`${path}: not reachable`);
    },
  } as unknown as LxdApi;
  return { api, calls, placement: new SandboxPlacement(api, { instance: 'x', network: 'lxdberth0', member: o.member === null ? undefined : (o.member ?? 'm1') }, (id) => `berth-x-${id}`) };
}

test('LXD alone: no sandbox is lost or away, each is reached at its address, and members are asked once', async () => {
  const f = fakeLxd({ clustered: false, instances: { a: 'none' } });
  assert.equal(await f.placement.isAway('a'), false);
  assert.deepEqual(await f.placement.lost(), new Map());
  assert.equal(await f.placement.reachable('a', async () => 'veth0'), true);
  await f.placement.isAway('a');
  assert.equal(f.calls.filter((c) => c.startsWith('GET /1.0/cluster')).length, 1);
});

test('a member away: its sandboxes are lost, a failed removal waits for its return, then is handed back', async (t) => {
  t.after(() => mock.timers.reset());
  mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  const members: Record<string, string> = { m1: 'Online', m2: 'Online', m3: 'Online' };
  const f = fakeLxd({ clustered: true, members, instances: { a: 'm1', b: 'm2', c: 'm3' } });
  for (const id of ['a', 'b', 'c']) await f.placement.location(id);
  assert.deepEqual(await f.placement.lost(), new Map());
  members.m2 = 'Offline';
  assert.equal(await f.placement.isAway('b'), false, 'members are asked at most every 2 s');
  mock.timers.tick(2000);
  assert.equal(await f.placement.isAway('b'), true);
  assert.equal(await f.placement.isAway('a'), false);
  assert.deepEqual(await f.placement.lost(), new Map([['b', { host: 'm2', evacuated: false }]]));
  await f.placement.removalFailed('b');
  await f.placement.removalFailed('a'); // its member is there: tried again at once
  assert.deepEqual(await f.placement.orphansBack(), ['a'], 'b waits for its member');
  f.placement.forget('a');
  members.m2 = 'Online';
  mock.timers.tick(2000);
  assert.deepEqual(await f.placement.orphansBack(), ['b']);
  f.placement.forget('b');
  assert.deepEqual(await f.placement.orphansBack(), []);
});

test('a sandbox learnt while its member is away is placed from the instances list', async () => {
  const f = fakeLxd({ clustered: true, members: { m1: 'Online', m2: 'Offline' }, instances: { b: 'm2' } });
  assert.equal(await f.placement.location('b'), 'm2');
  assert.equal(await f.placement.isAway('b'), true);
  assert.deepEqual(await f.placement.lost(), new Map([['b', { host: 'm2', evacuated: false }]]));
  assert.equal(f.placement.idOf({ name: 'berth-x-y-b', status: 'Error', location: 'm2', config: null }), undefined, 'not of an instance x-y');
});

test('only a sandbox on this machine\'s member, its NIC on this machine\'s bridge, is reached at its address', async () => {
  const f = fakeLxd({ clustered: true, members: { m1: 'Online', m2: 'Online' }, instances: { a: 'm1', b: 'm2', c: 'm1' } });
  assert.equal(await f.placement.reachable('b', async () => { throw new Error('the NIC of a sandbox elsewhere is not even asked for'); }), false);
  // On m1 by LXD's word, but no such NIC on this machine's bridge (a BERTH_LXD_MEMBER set on the wrong machine).
  assert.equal(await f.placement.reachable('a', async () => 'veth-nowhere'), false);
  assert.equal(await f.placement.reachable('c', async () => '../../etc'), false);
});

test('without BERTH_LXD_MEMBER this machine\'s member is the one whose socket is used: its sandboxes\' NICs are looked for here, no other\'s', async () => {
  const f = fakeLxd({ clustered: true, member: null, members: { m1: 'Online', m2: 'Online' }, instances: { a: 'm1', b: 'm2' } });
  const asked: string[] = [];
  const nicOf = (id: string) => async () => {
    asked.push(id);
    return 'veth-nowhere';
  };
  assert.equal(await f.placement.reachable('a', nicOf('a')), false, 'no such NIC on this machine\'s bridge');
  assert.equal(await f.placement.reachable('b', nicOf('b')), false);
  assert.deepEqual(asked, ['a'], 'the NIC of the sandbox on m1 is looked for; the one on m2 is not even asked for');
  assert.equal(f.calls.filter((c) => c === 'GET /1.0').length, 1, 'LXD is asked its name once');
});
