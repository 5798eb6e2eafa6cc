// Attack: one address starts its whole allowance at once to push everyone else's start back. Over real HTTP
// against a Berth server whose engine is a stand-in (fake-runtime.ts) starting one sandbox at a time, whose
// first start is held until every request is in: another address's start waits for one more of the hog's.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { LEARNER_HEADER } from '@berth/shared';
import { startTestServer, type TestServer } from '../helpers.js';
import { FakeRuntime } from '../fake-runtime.js';

class HeldRuntime extends FakeRuntime {
  readonly order: string[] = [];
  release!: () => void;
  private readonly held = new Promise<void>((r) => (this.release = r));
  override async createSandbox(id: string): Promise<void> {
    this.order.push(id);
    if (this.order.length === 1) await this.held;
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
  const runtime = new HeldRuntime();
  const s = await startTestServer(
    { BERTH_DATA: dir, BERTH_MAX_SESSIONS: '100', BERTH_STARTS_AT_ONCE: '1', BERTH_POOL_SIZE: '0', BERTH_TRUST_PROXY: '127.0.0.1' },
    { runtime: () => runtime },
  );
  try {
    const hog = await Promise.all(Array.from({ length: 20 }, () => start(s, '203.0.113.9')));
    const other = await start(s, '198.51.100.7');
    assert.equal(runtime.order.length, 1, "only the hog's first start has begun while every request came in");
    runtime.release();
    assert.equal(await s.berth.sessions.get(other)!.ready, true);
    assert.equal(runtime.order.indexOf(other), 2, `the other's start is the third begun, after two of the hog's 20 (${runtime.order.indexOf(other)})`);
    assert.equal(s.berth.sessions.get(hog.at(-1)!)!.state, 'starting', "the hog's last start still waits after the other's is ready");
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
