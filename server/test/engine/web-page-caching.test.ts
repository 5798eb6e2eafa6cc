// The real server sends the page's files as a classroom's Wi-Fi needs them: the build's brotli or gzip copy to a
// browser that accepts it, hashed assets cached immutably, index.html revalidated (routes/web-page.ts, app.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers.js';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');
const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'web-dist-'));
let server: TestServer;

before(async () => {
  const build = spawnSync(process.execPath, [path.join(repo, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', dist, '--emptyOutDir', '--logLevel', 'error'], { cwd: path.join(repo, 'web'), encoding: 'utf8' });
  assert.equal(build.status, 0, build.stdout + build.stderr);
  server = await startTestServer({ BERTH_WEB_DIR: dist });
});

after(async () => {
  await server?.close();
  fs.rmSync(dist, { recursive: true, force: true });
});

test('a browser that accepts brotli gets the page\'s script compressed and cached for a year; index.html is revalidated', async () => {
  const page = await fetch(`${server.url}/`, { headers: { 'accept-encoding': 'br, gzip' } });
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-encoding'), 'br');
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  const html = await page.text(); // fetch decodes it
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  assert.ok(script, html);

  const raw = Buffer.from(await (await fetch(`${server.url}${script}`, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer());
  for (const [accept, encoding, decode] of [['br', 'br', zlib.brotliDecompressSync], ['gzip', 'gzip', zlib.gunzipSync]] as const) {
    // node's http, not fetch: fetch would decode the body and hide its size.
    const res = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      import('node:http').then(({ get }) =>
        get(`${server.url}${script}`, { headers: { 'accept-encoding': accept } }, (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ headers: r.headers, body: Buffer.concat(chunks) })).on('error', reject);
        }).on('error', reject),
      );
    });
    assert.equal(res.headers['content-encoding'], encoding);
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.ok(res.body.length < raw.length / 3, `${encoding}: ${res.body.length} of ${raw.length} bytes`);
    assert.deepEqual(decode(res.body), raw);
  }

  const deepLink = await fetch(`${server.url}/lessons/first-container/run-hello`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(deepLink.status, 200);
  assert.equal(deepLink.headers.get('cache-control'), 'no-cache');
  assert.equal(await deepLink.text(), html);
});
