// The page's files as a browser on a classroom's Wi-Fi gets them: the build's precompressed copies (brotli,
// else gzip) to a browser that accepts them, hashed assets cached for a year, index.html revalidated.
// The options are the server's own (routes/web-page.ts); engine/web-page-caching.test.ts asks the real server.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, test } from 'node:test';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { IMMUTABLE, REVALIDATE, webPageOptions } from '../../src/routes/web-page.js';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');
let app: FastifyInstance;
let dist: string;
let asset: string;

before(async () => {
  // The real build, into a folder of this test's own: it also proves the build writes the .br and .gz.
  dist = fs.mkdtempSync(path.join(os.tmpdir(), 'web-dist-'));
  const build = spawnSync(process.execPath, [path.join(repo, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', dist, '--emptyOutDir', '--logLevel', 'error'], { cwd: path.join(repo, 'web'), encoding: 'utf8' });
  assert.equal(build.status, 0, build.stdout + build.stderr);
  asset = /src="(\/assets\/[^"]+\.js)"/.exec(fs.readFileSync(path.join(dist, 'index.html'), 'utf8'))![1]!;
  app = Fastify();
  await app.register(fastifyStatic, webPageOptions(dist));
  app.setNotFoundHandler((_req, reply) => reply.sendFile('index.html'));
  await app.ready();
});

after(async () => {
  await app?.close();
  fs.rmSync(dist, { recursive: true, force: true });
});

test('the build writes a brotli and a gzip copy beside each script, each smaller', () => {
  const raw = fs.statSync(path.join(dist, asset)).size;
  const br = fs.statSync(path.join(dist, `${asset}.br`)).size;
  const gz = fs.statSync(path.join(dist, `${asset}.gz`)).size;
  assert.ok(br < gz && gz < raw / 2, `raw ${raw}, br ${br}, gz ${gz}`);
});

test('a script: brotli to a browser that accepts it, gzip to one that accepts only gzip, plain otherwise; cached immutably', async () => {
  const plain = await app.inject({ url: asset });
  assert.equal(plain.statusCode, 200);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.headers['cache-control'], IMMUTABLE);

  const br = await app.inject({ url: asset, headers: { 'accept-encoding': 'gzip, deflate, br' } });
  assert.equal(br.headers['content-encoding'], 'br');
  assert.match(String(br.headers['content-type']), /javascript/);
  assert.equal(br.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.match(String(br.headers.vary), /accept-encoding/i);
  assert.ok(br.rawPayload.length < plain.rawPayload.length / 3, `${br.rawPayload.length} of ${plain.rawPayload.length} bytes`);
  assert.deepEqual(zlib.brotliDecompressSync(br.rawPayload), plain.rawPayload);

  const gz = await app.inject({ url: asset, headers: { 'accept-encoding': 'gzip' } });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gz.headers['cache-control'], IMMUTABLE);
  assert.deepEqual(zlib.gunzipSync(gz.rawPayload), plain.rawPayload);
});

test('index.html (at / and at a deep link) is revalidated on every load, never immutable', async () => {
  for (const url of ['/', '/lessons/first-container/run-hello']) {
    const page = await app.inject({ url, headers: { 'accept-encoding': 'br' } });
    assert.equal(page.statusCode, 200, url);
    assert.equal(page.headers['cache-control'], REVALIDATE, url);
    assert.doesNotMatch(String(page.headers['cache-control']), /immutable|max-age=[1-9]/, url);
    assert.match(zlib.brotliDecompressSync(page.rawPayload).toString(), /<div id="app"|<script/, url);
  }
});

test('a compressed copy is never served by its own name', async () => {
  const direct = await app.inject({ url: `${asset}.br` });
  assert.notEqual(direct.headers['content-type'], 'application/octet-stream');
  assert.equal(direct.headers['cache-control'], REVALIDATE, 'the page (the not-found fallback), not the .br file');
});
