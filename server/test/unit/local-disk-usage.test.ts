import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalDiskUsage, parseQgroups, parseSubvolumes } from '../../src/runtime/lxd/local-disk-usage.js';

const subvolumes = `ID 256 gen 40 top level 5 path images/0f3c
ID 257 gen 52 top level 5 path containers/berth-main-a1b2c3d4e
ID 258 gen 53 top level 5 path containers/berth-main-zz9
ID 259 gen 53 top level 257 path containers/berth-main-a1b2c3d4e/var/lib/docker/btrfs/subvolumes/x
`;
// btrfs-progs 6.2 (Debian 12): a path column; older ones print only the three numbers.
const qgroups = `Qgroupid    Referenced    Exclusive   Path
--------    ----------    ---------   ----
0/5              16384        16384   <toplevel>
0/256        412876800        16384   images/0f3c
0/257        421265408      8404992   containers/berth-main-a1b2c3d4e
0/258        412893184        32768   containers/berth-main-zz9
0/259            16384        16384   containers/berth-main-a1b2c3d4e/var/lib/docker/btrfs/subvolumes/x
1/100        999999999    999999999   <under 1/100>
`;

test("btrfs's lists are read: subvolume paths by id, exclusive bytes of level-0 qgroups by id", () => {
  assert.equal(parseSubvolumes(subvolumes).get('257'), 'containers/berth-main-a1b2c3d4e');
  assert.equal(parseQgroups(qgroups).get('258'), 32768);
  assert.equal(parseQgroups(qgroups).has('100'), false);
  assert.equal(parseQgroups('0/300 123 45\n').get('300'), 45);
});

test("a hundred sandboxes' disk use costs two btrfs runs, not a hundred state calls to LXD", async () => {
  const calls: string[] = [];
  const usage = new LocalDiskUsage('/var/lib/lxd/storage-pools/berth', async (cmd, args) => {
    calls.push(`${cmd} ${args.join(' ')}`);
    return args[0] === 'subvolume' ? subvolumes : qgroups;
  });
  const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => usage.of(i % 2 ? 'berth-main-a1b2c3d4e' : 'berth-main-zz9')));
  assert.deepEqual(calls.sort(), ['btrfs qgroup show --raw /var/lib/lxd/storage-pools/berth', 'btrfs subvolume list /var/lib/lxd/storage-pools/berth']);
  assert.equal(answers[1], 8404992);
  assert.equal(answers[0], 32768);
  assert.equal(await usage.of('berth-main-elsewhere'), undefined);
});

test('a pool that cannot be read here (not btrfs, another mount namespace) leaves the answer to LXD', async () => {
  const usage = new LocalDiskUsage('/nowhere', async () => {
    throw new Error("ERROR: not a btrfs filesystem: /nowhere");
  });
  assert.equal(await usage.of('berth-main-zz9'), undefined);
});
