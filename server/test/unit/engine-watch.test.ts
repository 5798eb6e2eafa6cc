// One watch per session however many pages look, reading the engine again on its events and never more than
// one read at a time; stopped when the last page goes. With a fake runtime: the real engine's side is in
// server/test/engine/engine-view.test.ts.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { ExecResult, FollowedProcess } from '../../src/runtime/runtime.js';
import { EngineWatch, type EngineWatchHost, type PictureUpdate } from '../../src/engine-view/engine-watch.js';

class FakeEngine implements EngineWatchHost {
  containers: string[] = [];
  reads = 0;
  follows = 0;
  stops = 0;
  readDelayMs = 0;
  private push?: (chunk: Buffer) => void;

  async exec(): Promise<ExecResult> {
    this.reads += 1;
    const answer = `containers ${JSON.stringify(this.containers.map((name) => ({ Id: name, Names: [`/${name}`], Image: 'nginx', State: 'running' })))}\n`;
    await sleep(this.readDelayMs);
    return { exitCode: 0, output: answer, timedOut: false };
  }

  async follow(_id: string, _cmd: string[], onData: (chunk: Buffer) => void): Promise<FollowedProcess> {
    this.follows += 1;
    this.push = onData;
    let end!: () => void;
    const ended = new Promise<void>((r) => (end = r));
    return { stop: () => ((this.stops += 1), end()), ended };
  }

  event(line: string): void {
    this.push!(Buffer.from(`${line}\n`));
  }
}

test('two pages watching one session share one event stream; a new container is said once to both', async () => {
  const engine = new FakeEngine();
  const watch = new EngineWatch(engine);
  const a: PictureUpdate[] = [];
  const b: PictureUpdate[] = [];
  const stopA = watch.watch('s1', (u) => a.push(u));
  await sleep(20);
  const stopB = watch.watch('s1', (u) => b.push(u));
  assert.equal(engine.follows, 1);
  assert.equal(engine.reads, 1);
  assert.equal(b.length, 1, 'a later page gets the picture at once, without a read of its own');

  engine.containers = ['web'];
  engine.event('container create');
  engine.event('container start');
  await sleep(150);
  assert.equal(engine.reads, 2, 'events that come together are one read');
  assert.deepEqual(a.at(-1)!.changes.map((c) => c.text.en), ['container web created from nginx']);
  assert.deepEqual(b.at(-1)!.changes.map((c) => c.text.en), ['container web created from nginx']);

  stopA();
  assert.equal(engine.stops, 0, 'one page still looks');
  stopB();
  assert.equal(engine.stops, 1, 'the last page gone, the stream stops');
  assert.equal(watch.followed, 0);
});

test("a check's docker exec reads nothing; events during a read make one more read, not one each", async () => {
  const engine = new FakeEngine();
  const watch = new EngineWatch(engine);
  const updates: PictureUpdate[] = [];
  const stop = watch.watch('s1', (u) => updates.push(u));
  await sleep(20);
  engine.event('container exec_create: bash -c test');
  engine.event('container exec_start: bash -c test');
  await sleep(100);
  assert.equal(engine.reads, 1);

  engine.readDelayMs = 200;
  engine.event('container create');
  await sleep(60); // the read has started
  for (let i = 0; i < 50; i++) {
    engine.containers = [`c${i}`];
    engine.event('container create');
    await sleep(5);
  }
  await sleep(700);
  // 0.25 s of events, reads of 0.2 s one at a time: a few reads, not fifty, and the last after the last event.
  assert.ok(engine.reads <= 5, `${engine.reads} reads`);
  assert.deepEqual(updates.at(-1)!.picture.containers.map((c) => c.name), ['c49'], 'the last picture is read after the last event');
  stop();
});

test('a session that ends stops its stream and tells every page still watching, once', async () => {
  const engine = new FakeEngine();
  const watch = new EngineWatch(engine);
  const ended: string[] = [];
  const stopA = watch.watch('s1', () => {}, () => ended.push('a'));
  watch.watch('s1', () => {}, () => ended.push('b'));
  await sleep(20);
  watch.forget('s1');
  assert.deepEqual(ended.sort(), ['a', 'b']);
  assert.equal(engine.stops, 1);
  assert.equal(watch.followed, 0);
  stopA(); // the page's socket closing afterwards changes nothing
  assert.deepEqual(ended.sort(), ['a', 'b']);
  assert.equal(engine.stops, 1);
});
