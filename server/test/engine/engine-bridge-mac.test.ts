// The session engine's default bridge (berth0, where image builds run) keeps one MAC address: a Linux bridge
// whose MAC was never set takes the lowest of its ports', so it changed as build containers came and went,
// and a build that had cached the old one had a package download "refused" (Berth's FORWARD chain answered a
// packet bridged to another container with a reset).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import Docker from 'dockerode';
import { loadConfig } from '../../src/config.js';
import { ENGINE_BRIDGE } from '../../src/host/host-network.js';

const sysfs = (what: string) => fs.readFileSync(`/sys/class/net/${ENGINE_BRIDGE}/${what}`, 'utf8').trim();

test('the engine\'s bridge keeps the MAC Berth set while containers come and go on it', async () => {
  const docker = new Docker({ socketPath: loadConfig(process.env).engineSocket });
  assert.equal(sysfs('addr_assign_type'), '3', 'the MAC was set, so the kernel keeps it');
  const mac = sysfs('address');
  assert.match(mac, /^02(:[0-9a-f]{2}){5}$/);
  const started: Docker.Container[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const c = await docker.createContainer({ Image: 'busybox:latest', Cmd: ['sleep', '30'], Labels: { 'berth.test': 'bridge-mac' } });
      await c.start();
      started.push(c);
      assert.equal(sysfs('address'), mac);
    }
  } finally {
    for (const c of started) await c.remove({ force: true });
  }
  assert.equal(sysfs('address'), mac);
});
