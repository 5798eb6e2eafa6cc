// A terminal recorded server-side as an asciicast v2 file: what lands in the file, when, and how it is sealed.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { CastRecorder, type CastRecorderOptions } from '../../src/recordings/asciicast-writer.js';
import { checkCast, verifySeal, type CastEvent } from '../../src/recordings/cast-format.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-recordings-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

let folders = 0;
/** A fresh recordings folder (not created yet: the recorder makes it) and a hand-driven clock. */
function setup(overrides: Partial<CastRecorderOptions> = {}) {
  const folder = path.join(root, `recordings-${++folders}`);
  const clock = { ms: 5000 };
  const options: CastRecorderOptions = {
    id: 'sess-0001-abcd',
    folder,
    width: 80,
    height: 24,
    title: 'Lesson: first container',
    startedAtMs: Date.UTC(2025, 0, 2, 3, 4, 5, 600),
    clock: () => clock.ms,
    ...overrides,
  };
  return { folder, clock, options, file: path.join(folder, `${options.id}.cast`) };
}

function eventsOf(file: string): CastEvent[] {
  const check = checkCast(fs.readFileSync(file, 'utf8'));
  assert.ok(check.ok, JSON.stringify(check));
  return check.events;
}

test("a recording's file passes checkCast and its seal verifies", async () => {
  const { options, clock, file } = setup();
  const recorder = await CastRecorder.create(options);
  recorder.output(Buffer.from('$ '));
  clock.ms += 1500;
  recorder.input(Buffer.from('docker ps\r'));
  clock.ms += 250;
  recorder.output(Buffer.from('CONTAINER ID   IMAGE\r\n'));
  recorder.marker('command `docker ps` exit 0');
  clock.ms += 1000;
  const sealed = await recorder.seal();

  const check = checkCast(fs.readFileSync(file, 'utf8'));
  assert.ok(check.ok, JSON.stringify(check));
  assert.deepEqual(check.header, {
    version: 2,
    width: 80,
    height: 24,
    timestamp: Math.floor(options.startedAtMs! / 1000),
    title: 'Lesson: first container',
    env: { TERM: 'xterm-256color' },
  });
  assert.deepEqual(check.events, [
    [0, 'o', '$ '],
    [1.5, 'i', 'docker ps\r'],
    [1.75, 'o', 'CONTAINER ID   IMAGE\r\n'],
    [1.75, 'm', 'command `docker ps` exit 0'],
  ]);
  assert.deepEqual(await verifySeal(file), { ok: true, sha256: sealed.sha256 });
  assert.deepEqual(sealed, {
    file,
    sha256: createHash('sha256').update(fs.readFileSync(file)).digest('hex'),
    bytes: fs.statSync(file).size,
    durationSeconds: 2.75,
    events: 4,
    dropped: 0,
  });
});

test('a character split across two output chunks is recorded whole; bytes that are not UTF-8 show as �', async () => {
  const { options, file } = setup();
  const recorder = await CastRecorder.create(options);
  const wide = Buffer.from('中'); // 3 bytes
  recorder.output(wide.subarray(0, 2));
  recorder.output(Buffer.concat([wide.subarray(2), Buffer.from('文 ok')]));
  recorder.input(Buffer.from('é').subarray(0, 1));
  recorder.input(Buffer.from('é').subarray(1));
  recorder.output(Buffer.from([0x61, 0xff, 0x62]));
  recorder.output(wide.subarray(0, 1)); // the session ends mid-character
  await recorder.seal();
  assert.deepEqual(
    eventsOf(file).map(([, code, data]) => [code, data]),
    [
      ['o', '中文 ok'],
      ['i', 'é'],
      ['o', 'a\ufffdb'],
      ['o', '\ufffd'],
    ],
  );
});

test('events reach the file within a second without sealing: a crash loses at most a second', async () => {
  const { options, file } = setup({ clock: undefined });
  const recorder = await CastRecorder.create(options);
  try {
    recorder.output(Buffer.from('hello from before the crash\r\n'));
    await new Promise((resolve) => setTimeout(resolve, 1400));
    const text = fs.readFileSync(file, 'utf8');
    const check = checkCast(text);
    assert.ok(check.ok, JSON.stringify(check));
    assert.equal(check.events.length, 1);
    assert.equal(check.events[0]![2], 'hello from before the crash\r\n');
    assert.ok(check.events[0]![0] < 0.5, 'timed by the real clock, from the start');
  } finally {
    await recorder.seal();
  }
});

test('resizes and markers appear with their codes, times rounded to microseconds', async () => {
  const { options, clock, file } = setup();
  const recorder = await CastRecorder.create(options);
  clock.ms += 1234.5678912;
  recorder.resize(120, 40);
  recorder.resize(0, 40); // not a terminal size: left out
  recorder.marker('step 2 done');
  recorder.marker('paste');
  recorder.marker(`two\nlines ${'x'.repeat(5000)}`);
  await recorder.seal();
  const events = eventsOf(file);
  assert.deepEqual(events.slice(0, 3), [
    [1.234568, 'r', '120x40'],
    [1.234568, 'm', 'step 2 done'],
    [1.234568, 'm', 'paste'],
  ]);
  const long = events[3]!;
  assert.equal(long[1], 'm');
  assert.equal(long[2].length, 1000, 'a marker label is cut to 1000 characters');
  assert.ok(long[2].startsWith('two lines xxx'), 'on one line');
});

test("a helper's input is marked with who typed it, once per run of their typing", async () => {
  const { options, file } = setup();
  const recorder = await CastRecorder.create(options);
  recorder.input(Buffer.from('ls\r'));
  recorder.input(Buffer.from('p'), 'alice');
  recorder.input(Buffer.from('wd\r'), 'alice');
  recorder.input(Buffer.from('exit\r'));
  const sealed = await recorder.seal();
  assert.deepEqual(
    eventsOf(file).map(([, code, data]) => [code, data]),
    [
      ['i', 'ls\r'],
      ['m', 'input by alice'],
      ['i', 'p'],
      ['i', 'wd\r'],
      ['m', 'input by owner'],
      ['i', 'exit\r'],
    ],
  );
  assert.equal(sealed.events, 6);
});

test('a recording that reaches its cap ends with one "recording cut" marker and drops the rest', async () => {
  const { options, file } = setup({ maxBytes: 4096 });
  const recorder = await CastRecorder.create(options);
  for (let i = 0; i < 100; i++) recorder.output(Buffer.from(`line ${i} ${'.'.repeat(90)}\r\n`));
  recorder.marker('step 3 done');
  const sealed = await recorder.seal();
  const events = eventsOf(file);
  assert.ok(fs.statSync(file).size <= 4096, 'the file stays within the cap');
  const cuts = events.filter(([, code, data]) => code === 'm' && data.startsWith('recording cut'));
  assert.deepEqual(cuts.map(([, , data]) => data), ['recording cut: it reached 0.00391 MiB']);
  assert.deepEqual(events.at(-1), cuts[0], 'the cut is the last event');
  assert.equal(sealed.events, events.length);
  assert.equal(sealed.dropped, 101 - (events.length - 1));
  assert.ok(sealed.dropped > 50);
});

test('a bad recording id is refused and no file is created', async () => {
  for (const id of ['../x', '../../etc/passwd', 'A', '', 'ABCDEFGHIJ', 'short', 'abc/defgh', 'x'.repeat(65), 'abcdefgh.cast']) {
    const { options, folder } = setup({ id });
    await assert.rejects(CastRecorder.create(options), /not a recording id/, `id ${JSON.stringify(id)}`);
    assert.equal(fs.existsSync(folder), false);
  }
  assert.deepEqual(fs.readdirSync(root).filter((name) => !name.startsWith('recordings-')), []);
});

test('an existing recording is never overwritten', async () => {
  const { options, folder, file } = setup();
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(file, 'an earlier recording\n');
  await assert.rejects(CastRecorder.create(options), { code: 'EEXIST' });
  assert.equal(fs.readFileSync(file, 'utf8'), 'an earlier recording\n');
});

test('sealing twice returns the same hash, and events after sealing are left out', async () => {
  const { options, file } = setup();
  const recorder = await CastRecorder.create(options);
  recorder.output(Buffer.from('bye\r\n'));
  const [first, again] = await Promise.all([recorder.seal(), recorder.seal()]);
  recorder.output(Buffer.from('too late'));
  recorder.marker('too late');
  const third = await recorder.seal();
  assert.equal(again.sha256, first.sha256);
  assert.deepEqual(third, first);
  assert.equal(eventsOf(file).length, 1);
});

test('the sealed recording is read-only, in a private folder, with a sha256sum-format seal beside it', async () => {
  const { options, folder, file } = setup();
  const recorder = await CastRecorder.create(options);
  assert.equal(fs.statSync(folder).mode & 0o777, 0o700);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'private while it is written');
  recorder.output(Buffer.from('x'));
  const sealed = await recorder.seal();
  assert.equal(fs.statSync(file).mode & 0o777, 0o400);
  assert.equal(fs.readFileSync(`${file}.sha256`, 'utf8'), `${sealed.sha256}  sess-0001-abcd.cast\n`);
});

test('a sealed recording changed afterwards no longer verifies', async () => {
  const { options, file } = setup();
  const recorder = await CastRecorder.create(options);
  recorder.output(Buffer.from('the real output\r\n'));
  await recorder.seal();
  fs.chmodSync(file, 0o600);
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('real', 'fake'));
  assert.deepEqual(await verifySeal(file), { ok: false, reason: 'the recording changed after it was sealed' });
  fs.rmSync(`${file}.sha256`);
  assert.deepEqual(await verifySeal(file), { ok: false, reason: 'no .sha256 beside the recording' });
});
