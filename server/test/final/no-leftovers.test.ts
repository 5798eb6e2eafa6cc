// Runs after every other suite: nothing labelled by Berth may be left on the engine, no session disk may
// still be mounted, and no staff account the tests made (all at e2e.invalid) is left in berth.db. (A Berth
// server you run yourself while testing would be counted too.)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import Docker from 'dockerode';
import { loadConfig } from '../../src/config.js';
import { SESSION_LABEL } from '../../src/runtime/docker-runtime.js';
import { LxdApi } from '../../src/runtime/lxd/lxd-api.js';
import { LXD_INSTANCE_KEY } from '../../src/runtime/lxd/lxd-runtime.js';

test('after the whole suite the engine holds no container, network or volume labelled berth.session, and no session disk is mounted', async () => {
  const config = loadConfig();
  const docker = new Docker({ socketPath: config.engineSocket });
  const filters = { label: [SESSION_LABEL] };
  const containers = await docker.listContainers({ all: true, filters });
  const networks = await docker.listNetworks({ filters });
  const volumes = (await docker.listVolumes({ filters })).Volumes ?? [];
  assert.deepEqual(containers.map((c) => c.Names[0]), []);
  assert.deepEqual(networks.map((n) => n.Name), []);
  assert.deepEqual(volumes.map((v) => v.Name), []);
  const mounts = execFileSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' }).split('\n');
  assert.deepEqual(mounts.filter((m) => m.startsWith(`${config.dataDir}/sessions/`)), []);
});

test("after the whole suite berth.db holds no staff account the tests made", () => {
  const config = loadConfig();
  if (!fs.existsSync(config.databaseFile)) return; // no Berth server ever ran here: nothing could be left
  const db = new Database(config.databaseFile, { readonly: true, fileMustExist: true });
  try {
    const hasStaff = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'staff'").get();
    const left = hasStaff ? (db.prepare("SELECT email FROM staff WHERE email LIKE '%@e2e.invalid'").all() as { email: string }[]) : [];
    assert.deepEqual(left.map((r) => r.email), []);
  } finally {
    db.close();
  }
});

test('after the whole suite LXD (where the lxd runtime was tested) holds no instance of a Berth instance', async () => {
  const config = loadConfig();
  if (!fs.existsSync(config.lxd.socket)) return; // no LXD on this host: nothing could be left there
  const lxd = new LxdApi(config.lxd.socket);
  try {
    if (!(await lxd.request('GET', '/1.0').then(() => true, (err: NodeJS.ErrnoException) => err.code !== 'ECONNREFUSED'))) {
      // Its daemon is stopped: what it would run is in its containers folder.
      const containers = `${config.lxd.socket.replace(/unix\.socket$/, '')}containers`;
      assert.deepEqual(fs.existsSync(containers) ? fs.readdirSync(containers).filter((n) => n.startsWith('berth-')) : [], []);
      return;
    }
    const instances = await lxd.request<{ name: string; config: Record<string, string> }[]>('GET', '/1.0/instances?recursion=1');
    assert.deepEqual(instances.filter((i) => i.config[LXD_INSTANCE_KEY]).map((i) => i.name), []);
  } finally {
    lxd.close();
  }
});

test('after the whole suite nothing of the test LXD cluster is left: no member daemon, namespace, bridge or data', () => {
  const netns = fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns').filter((n) => /^lxdm\d/.test(n)) : [];
  assert.deepEqual(netns, [], 'network namespaces of cluster members');
  assert.equal(fs.existsSync('/sys/class/net/lxdclu0'), false, 'the members\' host bridge lxdclu0');
  assert.equal(fs.existsSync('/var/lib/berth-lxd-cluster'), false, 'the members\' data (/var/lib/berth-lxd-cluster)');
  const daemons = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('/var/lib/berth-lxd-cluster/');
    } catch {
      return false;
    }
  });
  assert.deepEqual(daemons, [], 'processes of cluster members');
});
