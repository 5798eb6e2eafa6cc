// The instance lock cannot go stale: a running holder is named to a second claimer; a socket left by a
// holder killed with SIGKILL is taken over; berth stop's request reaches the holder's stop handler.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { test } from 'node:test';
import { claimInstance, controlSocketPath, InstanceTakenError, requestStop, runningServer } from '../../src/control/instance-control.js';

const config = () => ({ instance: `t-${crypto.randomBytes(3).toString('hex')}`, engineSocket: '/run/berth/engine.sock', port: 8123 });

test('a second claim of a held instance fails naming the holder (pid, port); after release the instance is free', async () => {
  const c = config();
  const held = await claimInstance(c);
  try {
    held.setPort(9123);
    await assert.rejects(claimInstance({ ...c, port: 9999 }), (err: Error) => {
      assert.ok(err instanceof InstanceTakenError);
      assert.equal(err.message, `Berth instance "${c.instance}" is already served by pid ${process.pid} on port 9123. Stop it first (npx berth stop), or give this server another BERTH_INSTANCE.`);
      return true;
    });
    assert.deepEqual(await runningServer(c), { pid: process.pid, port: 9123, instance: c.instance });
    assert.equal((fs.statSync('/run/berth/control').mode & 0o777).toString(8), '700');
  } finally {
    held.release();
  }
  assert.equal(await runningServer(c), null);
  (await claimInstance(c)).release();
});

test('a control socket left by a server killed with SIGKILL is taken over', async () => {
  const c = config();
  const file = controlSocketPath(c);
  const holder = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(file)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => holder.stdout.once('data', resolve));
  holder.kill('SIGKILL');
  await new Promise((resolve) => holder.once('exit', resolve));
  assert.ok(fs.existsSync(file), 'the dead holder left its socket file');
  const claim = await claimInstance(c);
  assert.equal((await runningServer(c))?.pid, process.pid);
  claim.release();
});

test('berth stop reaches the holder: a stop before the server is ready is refused with a reason, then handled', async () => {
  const c = config();
  const claim = await claimInstance(c);
  try {
    await assert.rejects(requestStop(c, true), /the server is still starting: try again in a moment/);
    const asked: boolean[] = [];
    claim.onStop(async (endSessions) => {
      asked.push(endSessions);
      claim.release();
    });
    const answers: string[] = [];
    assert.deepEqual(await requestStop(c, false, (a) => answers.push(a.type)), { pid: process.pid, port: 8123, instance: c.instance });
    assert.deepEqual(asked, [false]);
    assert.deepEqual(answers, ['stopping']);
  } finally {
    claim.release();
  }
});
