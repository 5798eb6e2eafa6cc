// Reading an exec's multiplexed stream as a stream (downloads of the learner's files): stdout's bytes in
// order, stderr left out, frames split anywhere, and a frame that claims 4 GiB holds no memory for it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StdoutOfExec } from '../../src/runtime/exec-frames.js';

function framed(stream: number, body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

async function read(chunks: Buffer[]): Promise<Buffer> {
  const t = new StdoutOfExec();
  const out: Buffer[] = [];
  t.on('data', (c: Buffer) => out.push(c));
  for (const c of chunks) t.write(c);
  t.end();
  await new Promise((r) => t.on('end', r));
  return Buffer.concat(out);
}

test('stdout passes in order, stderr is left out, whatever the chunking', async () => {
  const all = Buffer.concat([framed(1, Buffer.from('hello ')), framed(2, Buffer.from('warning\n')), framed(1, Buffer.from('world'))]);
  for (const size of [1, 3, 7, 8, 9, all.length]) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < all.length; i += size) chunks.push(all.subarray(i, i + size));
    assert.equal((await read(chunks)).toString(), 'hello world', `chunks of ${size}`);
  }
});

test('a frame that claims 4 GiB is streamed, not gathered: the bytes that came are passed on', async () => {
  const header = Buffer.alloc(8);
  header[0] = 1;
  header.writeUInt32BE(0xffffffff, 4);
  const got = await read([header, Buffer.alloc(1024 * 1024, 120)]);
  assert.equal(got.length, 1024 * 1024);
});
