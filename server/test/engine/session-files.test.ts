// The learner's files through the API (issue 14), in a real sandbox: a file saved from the editor is the
// learner's and the shell sees it; a change from the shell is seen on reopening and makes a stale save a
// conflict; and symlinks the learner plants cannot make a read or a save reach past their own files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { FILE_PATH, FILES_PATH, type FileContent, type FileListResponse } from '@berth/shared';
import { useSessionTerminal } from '../helpers.js';

describe('session files', () => {
  const ctx = useSessionTerminal();
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${ctx.server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ctx.session.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const file = (p: string) => `${FILE_PATH(ctx.session.id)}?path=${encodeURIComponent(p)}`;

  test('saved from the editor: the shell shows it, owned by the learner; a change from the shell is seen and a stale save refused', async () => {
    const saved = await call('PUT', FILE_PATH(ctx.session.id), { path: 'app/Dockerfile', content: 'FROM debian:bookworm\n', base: null });
    assert.equal(saved.status, 200, await saved.clone().text());
    const { version } = (await saved.json()) as { version: string };
    const shown = await ctx.term.run('cat ~/app/Dockerfile; stat -c %U:%G ~/app/Dockerfile');
    assert.match(shown.output, /FROM debian:bookworm\s+user:user/);

    const again = await call('PUT', FILE_PATH(ctx.session.id), { path: 'app/Dockerfile', content: 'x', base: null });
    assert.equal(again.status, 409, 'a new file over an existing one is refused');

    await ctx.term.run('sleep 0.01; echo "RUN echo hi" >> ~/app/Dockerfile');
    const reopened = (await (await call('GET', file('app/Dockerfile'))).json()) as FileContent;
    assert.equal(reopened.content, 'FROM debian:bookworm\nRUN echo hi\n');
    assert.notEqual(reopened.version, version);
    const stale = await call('PUT', FILE_PATH(ctx.session.id), { path: 'app/Dockerfile', content: 'FROM scratch\n', base: version });
    assert.equal(stale.status, 409);
    assert.match(((await stale.json()) as { message: string }).message, /changed in your sandbox since you opened it/);
    assert.equal((await call('PUT', FILE_PATH(ctx.session.id), { path: 'app/Dockerfile', content: 'FROM scratch\n', base: reopened.version })).status, 200);

    const listed = (await (await call('GET', `${FILES_PATH(ctx.session.id)}?dir=app`)).json()) as FileListResponse;
    assert.deepEqual(listed.entries.map((e) => [e.name, e.type]), [['Dockerfile', 'file']], 'no temporary file is left');
    assert.equal((await call('POST', `${FILES_PATH(ctx.session.id)}/rename`, { from: 'app/Dockerfile', to: 'app/Containerfile' })).status, 204);
    assert.equal((await call('DELETE', file('app'))).status, 204);
    assert.equal((await ctx.term.run('test -e ~/app')).exit, 1);
  });

  test('planted symlinks (to /etc/shadow, to /etc/passwd, out of the home folder) reach nothing the learner could not', async () => {
    await ctx.term.run('ln -sf /etc/shadow ~/shadow; ln -sf /etc/passwd ~/passwd; ln -sfn / ~/root');
    assert.equal((await call('GET', file('shadow'))).status, 403, 'the learner cannot read /etc/shadow, so neither can the editor');
    const before = await ctx.term.run('sha256sum /etc/passwd');
    assert.equal((await call('PUT', FILE_PATH(ctx.session.id), { path: 'passwd', content: 'owned\n', base: '*' })).status, 200);
    assert.equal((await ctx.term.run('sha256sum /etc/passwd')).output, before.output, '/etc/passwd is untouched');
    assert.equal((await ctx.term.run('test -L ~/passwd || cat ~/passwd')).output.trim(), 'owned', 'the save replaced the link, not its target');
    // A path through a link to / is the learner's own view of their sandbox: only what their uid may write.
    const through = await call('PUT', FILE_PATH(ctx.session.id), { path: 'root/etc/berth-owned', content: 'x', base: null });
    assert.ok([502, 507].includes(through.status), `got ${through.status}`);
    assert.equal((await ctx.term.run('test -e /etc/berth-owned')).exit, 1);
    for (const bad of ['../x', 'a/../../x', 'a\u0000b']) {
      assert.equal((await call('GET', file(bad))).status, 400, bad);
    }
    await ctx.term.run('rm -f ~/shadow ~/passwd ~/root');
  });

  test('an uploaded file lands in the home folder as the learner; the home folder downloads as a .tar.gz holding it, links as links', async () => {
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 256));
    const up = await fetch(`${ctx.server.url}${FILES_PATH(ctx.session.id)}/upload?path=up/data.bin`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ctx.session.token}`, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    assert.equal(up.status, 200, await up.clone().text());
    const inShell = await ctx.term.run('stat -c "%s %U" ~/up/data.bin; ln -sfn /etc ~/up/etc-link');
    assert.match(inShell.output, /70000 user/);

    const res = await call('GET', `${FILES_PATH(ctx.session.id)}/download?path=`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') ?? '', /filename="home\.tar\.gz"/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-download-'));
    try {
      fs.writeFileSync(path.join(dir, 'home.tar.gz'), Buffer.from(await res.arrayBuffer()));
      execFileSync('tar', ['-xzf', 'home.tar.gz', '--no-same-owner'], { cwd: dir });
      assert.deepEqual(fs.readFileSync(path.join(dir, 'up', 'data.bin')), bytes);
      assert.equal(fs.readlinkSync(path.join(dir, 'up', 'etc-link')), '/etc', 'the link is a link');
      const names = execFileSync('tar', ['-tzf', 'home.tar.gz'], { cwd: dir, encoding: 'utf8' }).split('\n');
      assert.deepEqual(names.filter((n) => n.includes('etc-link/')), [], "nothing of the sandbox's /etc is in the archive");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const one = await call('GET', `${FILES_PATH(ctx.session.id)}/download?path=up/data.bin`);
    assert.deepEqual(Buffer.from(await one.arrayBuffer()), bytes);

    const tooBig = await fetch(`${ctx.server.url}${FILES_PATH(ctx.session.id)}/upload?path=big.bin`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ctx.session.token}`, 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(51 * 1024 * 1024),
    });
    assert.equal(tooBig.status, 413);
    await ctx.term.run('rm -rf ~/up');
  });
});
