// Attack: one address starts its whole allowance at once to push everyone else's start back. Over real HTTP
// against a Berth server whose engine is a stand-in (fake-runtime.ts) that takes a while to start each
// sandbox and one start at a time: another address's start waits for at most one of the hog's.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { LEARNER_HEADER } from '@berth/shared';
import { startTestServer, type TestServer } from '../helpers.js';
import { FakeRuntime } from '../fake-runtime.js';

class SlowRuntime extends FakeRuntime {
  readonly order: string[] = [];
  override async createSandbox(id: string): Promise<void> {
    this.order.push(id);
    await new Promise((r) => setTimeout(r, 40));
    await super.createSandbox(id);
  }
}

async function start(s: TestServer, address: string): Promise<string> {
  const res = await fetch(`${s.url}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address, [LEARNER_HEADER]: crypto.randomBytes(18).toString('base64url') },
    body: '{}',
  });
  const body = (await res.json()) as { id?: string; message?: string };
  assert.equal(res.status, 201, body.message);
  return body.id!;
}

test("one address starting 20 sandboxes at once delays another address's start by one of them, not twenty", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-hog-'));
  const runtime = new SlowRuntime();
  const s = await startTestServer(
    { BERTH_DATA: dir, BERTH_MAX_SESSIONS: '100', BERTH_STARTS_AT_ONCE: '1', BERTH_POOL_SIZE: '0', BERTH_TRUST_PROXY: '127.0.0.1' },
    { runtime: () => runtime },
  );
  try {
    const hog = await Promise.all(Array.from({ length: 20 }, () => start(s, '203.0.113.9')));
    const begunWhenOtherCame = runtime.order.length;
    assert.ok(begunWhenOtherCame <= 5, `most of the hog's 20 starts still wait when the other visitor comes (${begunWhenOtherCame} begun)`);
    const other = await start(s, '198.51.100.7');
    assert.equal(await s.berth.sessions.get(other)!.ready, true);
    assert.ok(runtime.order.indexOf(other) <= begunWhenOtherCame + 1, `the other's start began after ${runtime.order.indexOf(other)} of the hog's; at most one more than had begun (${begunWhenOtherCame})`);
    assert.equal(s.berth.sessions.get(hog.at(-1)!)!.state, 'starting', "the hog's last start still waits after the other's is ready");
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
