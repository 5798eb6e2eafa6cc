// What a visitor reads when a check run in their sandbox is cut (they wrote into it or held it open): a
// learner hears of a lesson check, a candidate of an interview check that runs again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRunner } from '../../src/lessons/run-check.js';
import type { SandboxRuntime } from '../../src/runtime/runtime.js';
import { FakeRuntime } from '../fake-runtime.js';

class CutRuntime extends FakeRuntime {
  override async exec(): ReturnType<SandboxRuntime['exec']> {
    return { exitCode: 0, output: 'x'.repeat(10), timedOut: false, cut: 'output-limit' };
  }
}

const quietLog = { info() {}, warn() {}, error() {} };

for (const [owner, says] of [
  ['lesson', /^A lesson check was stopped because its output passed 64 KiB: .* The step is not marked done\.$/],
  ['interview', /^An interview check was stopped because its output passed 64 KiB: .* it runs again after your next command\.$/],
] as const) {
  test(`a cut ${owner} check counts as not met and says so as a ${owner} check`, async () => {
    const told: string[] = [];
    const run = checkRunner(new CutRuntime(), quietLog, (_id, message) => told.push(message), owner);
    assert.equal(await run('s1', 'yes', 5000), -1);
    assert.equal(told.length, 1);
    assert.match(told[0]!, says);
  });
}
