// Runs after every other suite: nothing labelled by Berth may be left on the engine, and no session disk
// may still be mounted. (A Berth server you run yourself while testing would be counted too.)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import Docker from 'dockerode';
import { loadConfig } from '../../src/config.js';
import { SESSION_LABEL } from '../../src/runtime/docker-runtime.js';

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
