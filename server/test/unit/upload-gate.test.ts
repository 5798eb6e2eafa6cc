// A body the server would hold in memory (an upload, a save) is refused before it is read when it comes
// without the session's token, or while the same session sends another: a real server, a stand-in engine,
// request bodies that never end (if the server waited for them, no answer would come).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { FILES_PATH, FILE_PATH } from '@berth/shared';
import { startTestServer } from '../helpers.js';
import { FakeRuntime } from '../fake-runtime.js';

/** A request whose body sends 64 KiB, then nothing more and never ends, until abort(). */
function endlessUpload(url: string, headers: Record<string, string>) {
  const abort = new AbortController();
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(new Uint8Array(64 * 1024));
    },
  });
  const answer = fetch(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', ...headers }, body, duplex: 'half', signal: abort.signal } as RequestInit);
  return { answer, abort: () => abort.abort() };
}

test("a stranger's upload, and a second one of the same session, are refused before their bodies are read", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-uploads-'));
  const s = await startTestServer({ BERTH_DATA: dir }, { runtime: () => new FakeRuntime() });
  const pending: { abort: () => void }[] = [];
  try {
    const created = await fetch(`${s.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const { id, token } = (await created.json()) as { id: string; token: string };
    const url = `${s.url}${FILES_PATH(id)}/upload?path=big.bin`;

    const stranger = endlessUpload(url, { authorization: `Bearer ${'x'.repeat(token.length)}` });
    pending.push(stranger);
    const refused = await stranger.answer;
    assert.equal(refused.status, 401);

    const first = endlessUpload(url, { authorization: `Bearer ${token}` });
    pending.push(first);
    await new Promise((r) => setTimeout(r, 300)); // the first one is being received
    const second = endlessUpload(url, { authorization: `Bearer ${token}` });
    pending.push(second);
    const busy = await second.answer;
    assert.equal(busy.status, 429);
    assert.match(((await busy.json()) as { message: string }).message, /still receiving another file/);
    const save = await fetch(`${s.url}${FILE_PATH(id)}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ path: 'a', content: 'b', base: null }) });
    assert.equal(save.status, 429, 'a save waits for the upload too');

    first.abort(); // the learner gave up: its place is given back
    await first.answer.catch(() => {});
    for (let i = 0; i < 50 && (await probe()) === 429; i++) await new Promise((r) => setTimeout(r, 20));
    assert.notEqual(await probe(), 429);

    async function probe() {
      const r = await fetch(`${s.url}${FILE_PATH(id)}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ path: 'a', content: 'b', base: null }) });
      await r.arrayBuffer();
      return r.status;
    }
  } finally {
    for (const p of pending) p.abort();
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
