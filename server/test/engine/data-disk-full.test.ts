// The disk holding BERTH_DATA fills up. A test server keeps its data (the SQLite store, its sessions'
// disks) on a small tmpfs of its own, so the host's real BERTH_DATA is never filled: starting a session
// then answers 507 with words naming the disk, what exists stays usable and the store stays sound, and
// once space is freed sessions start again.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { LEARNER_HEADER } from '@berth/shared';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config.js';
import { remappedUid } from '../../src/host/host-network.js';
import { hostPaths } from '../../src/host/host-services.js';
import { ensureTunDevice, tunDevicePath } from '../../src/host/tun-device.js';
import { startTestServer, TerminalClient, type TestServer } from '../helpers.js';

const dataDir = fs.mkdtempSync('/tmp/berth-faults-disk-');
const filler = path.join(dataDir, 'filler');
let server: TestServer;

before(async () => {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=160m,mode=0755', 'berth-faults-disk', dataDir]);
  // The engine's seccomp profile lives in BERTH_DATA too: the test server reads it from its own.
  fs.copyFileSync(hostPaths(loadConfig()).seccompProfile, path.join(dataDir, 'seccomp.json'));
  // So does the sessions' tun node, which set-up makes in the BERTH_DATA it prepares.
  await ensureTunDevice(tunDevicePath(dataDir), remappedUid(1000), remappedUid(1000, '/etc/subgid'));
  server = await startTestServer({ BERTH_DATA: dataDir, BERTH_SESSION_DISK: '256m' });
});

after(async () => {
  await server?.close();
  execFileSync('umount', [dataDir]);
  fs.rmdirSync(dataDir);
});

/** Writes until the file system refuses: ENOSPC. */
function fillDisk(): void {
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(1 << 20, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    fs.closeSync(fd);
  }
}

test('with BERTH_DATA full: Start answers 507 naming the disk, the running session and saved progress stay, the store is sound; after freeing space a session starts', async () => {
  const learner = { [LEARNER_HEADER]: `learner-with-a-full-disk-${crypto.randomBytes(4).toString('hex')}` };
  const post = () => fetch(`${server.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', ...learner }, body: '{"lesson":"what-is-docker"}' });
  const created = await post();
  assert.equal(created.status, 201);
  const s = await created.json();
  const auth = { authorization: `Bearer ${s.token}` };
  const term = await TerminalClient.connect(server, s);
  let later: { id: string; token: string } | undefined;
  try {
    await term.ready();
    const onStep = await fetch(`${server.url}/api/sessions/${s.id}/lesson`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"lesson":"what-is-docker","step":"version"}',
    });
    assert.equal(onStep.status, 200);
    term.type('docker version\r');
    await term.waitForEvent((e) => e.type === 'step' && e.step === 'version' && e.done, 30_000, 'the version step to tick');

    fillDisk();
    const refused = await post();
    assert.equal(refused.status, 507);
    const body = await refused.json();
    assert.equal(body.error, 'Insufficient Storage');
    assert.match(body.message, new RegExp(`^The server's disk is full \\(BERTH_DATA, ${dataDir}: 0 MB free\\): no new session can start`));

    // The server goes on: the running session answers, its terminal works, progress reads back.
    assert.equal((await fetch(`${server.url}/api/health`)).status, 200);
    assert.equal((await (await fetch(`${server.url}/api/sessions/${s.id}`, { headers: auth })).json()).state, 'ready');
    const r = await term.run('echo still here && docker ps -q | wc -l');
    assert.equal(r.exit, 0, r.output);
    assert.match(r.output, /still here\n0/);
    const progress = await (await fetch(`${server.url}/api/progress`, { headers: learner })).json();
    assert.deepEqual(progress['what-is-docker'], { lesson: 'what-is-docker', done: ['version'], current: 'info', finished: false });
    const db = new Database(path.join(dataDir, 'berth.db'), { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }

    fs.rmSync(filler);
    const again = await post();
    assert.equal(again.status, 201, await again.clone().text());
    later = await again.json();
    const laterTerm = await TerminalClient.connect(server, later!);
    await laterTerm.ready();
    assert.equal((await laterTerm.run('docker info --format "{{.ServerVersion}}"')).exit, 0);
    await laterTerm.close();
  } finally {
    if (fs.existsSync(filler)) fs.rmSync(filler);
    await term.close();
    for (const x of [s, later]) if (x) await fetch(`${server.url}/api/sessions/${x.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${x.token}` } });
  }
});
