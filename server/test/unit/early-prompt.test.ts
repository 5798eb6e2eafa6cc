// The prompt comes once a shell can sit in the engine's namespaces, before the inner engine answers. Over real
// HTTP against a Berth server whose engine is a stand-in (fake-runtime.ts) that says "shell ready" and then
// holds the engine's start until the test lets it go (or fails it).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { LEARNER_HEADER } from '@berth/shared';
import { DiskFilledWhileStarting, type CreateOptions } from '../../src/runtime/runtime.js';
import { startTestServer, type TestServer } from '../helpers.js';
import { FakeRuntime } from '../fake-runtime.js';

class SlowEngineRuntime extends FakeRuntime {
  readonly begun: string[] = [];
  private readonly engines = new Map<string, { answer: () => void; fail: (err: Error) => void }>();
  override async createSandbox(id: string, opts: CreateOptions = {}): Promise<void> {
    this.begun.push(id);
    await super.createSandbox(id);
    opts.onShellReady?.();
    await new Promise<void>((answer, fail) => this.engines.set(id, { answer, fail }));
  }
  engineAnswers(id: string): void {
    this.engines.get(id)!.answer();
  }
  engineFails(id: string, err = new Error('dockerd exited with status 1')): void {
    this.sandboxes.delete(id);
    this.engines.get(id)!.fail(err);
  }
}

async function start(s: TestServer): Promise<string> {
  const res = await fetch(`${s.url}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [LEARNER_HEADER]: crypto.randomBytes(18).toString('base64url') },
    body: '{}',
  });
  const body = (await res.json()) as { id?: string; message?: string };
  assert.equal(res.status, 201, body.message);
  return body.id!;
}

async function withServer(fn: (s: TestServer, runtime: SlowEngineRuntime) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-early-prompt-'));
  const runtime = new SlowEngineRuntime();
  const s = await startTestServer({ BERTH_DATA: dir, BERTH_STARTS_AT_ONCE: '1', BERTH_POOL_SIZE: '0' }, { runtime: () => runtime });
  try {
    await fn(s, runtime);
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a session is ready (its prompt may come) while its inner engine still starts, and the start gate stays held until the engine answers', async () => {
  await withServer(async (s, runtime) => {
    const first = await start(s);
    assert.equal(await s.berth.sessions.get(first)!.ready, true, 'ready before the engine answered');
    assert.equal(s.berth.sessions.get(first)!.state, 'ready');
    const second = await start(s);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(runtime.begun, [first], "the second start waits for the first one's engine, not its prompt");
    assert.equal(s.berth.sessions.get(second)!.state, 'starting');
    runtime.engineAnswers(first);
    assert.equal(await s.berth.sessions.get(second)!.ready, true);
    assert.deepEqual(runtime.begun, [first, second]);
    assert.equal(s.berth.sessions.get(first)!.state, 'ready', 'the engine answering changes nothing for the first session');
    runtime.engineAnswers(second);
  });
});

test('an engine that fails after the prompt came ends the session with the sentence a failed start gets, and removes its sandbox', async () => {
  await withServer(async (s, runtime) => {
    const id = await start(s);
    assert.equal(await s.berth.sessions.get(id)!.ready, true);
    runtime.engineFails(id);
    const deadline = Date.now() + 5000;
    while (s.berth.sessions.get(id)?.state !== 'ended' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const session = s.berth.sessions.get(id)!;
    assert.equal(session.state, 'ended');
    assert.equal(session.endReason, 'error');
    assert.match(session.endMessage ?? '', /^Your sandbox could not start because of a problem on the server, not anything you did\..*reference \S+\.$/);
    assert.equal(runtime.sandboxes.has(id), false);
  });
});

async function ended(s: TestServer, id: string) {
  const deadline = Date.now() + 5000;
  while (s.berth.sessions.get(id)?.state !== 'ended' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return s.berth.sessions.get(id)!;
}

test('visitors who fill their disk before their engine has started end only their own session, told why: not counted as failed starts, Start goes on working', async () => {
  await withServer(async (s, runtime) => {
    const ENOSPC = 'the sandbox stopped while starting: level=warning msg="failed to update store: write /var/lib/docker/network/files/local-kv.db: no space left on device"';
    // Two in a row: counted as failed starts, they would make the host "failing" (Start 503 for everyone).
    for (let i = 0; i < 2; i++) {
      const id = await start(s);
      assert.equal(await s.berth.sessions.get(id)!.ready, true);
      runtime.engineFails(id, new DiskFilledWhileStarting(2 ** 29, ENOSPC));
      const session = await ended(s, id);
      assert.equal(session.endReason, 'limit');
      assert.equal(session.endMessage, "This session's disk (512 MB) filled up while its Docker engine was still starting, so the engine could not start and the session had to end. A new session starts clean; write big files once docker answers.");
    }
    const health = (await (await fetch(`${s.url}/api/health`)).json()) as { starts?: { failed: number; failing: boolean } };
    assert.equal(health.starts?.failing, false);
    assert.equal(health.starts?.failed, 0);
    const next = await start(s);
    assert.equal(await s.berth.sessions.get(next)!.ready, true, 'the next visitor still gets a sandbox');
    runtime.engineAnswers(next);
  });
});
