// The summary of `npm test` names each failed test with the first lines of its error, read from a real run of
// node:test's spec reporter, so that the tail of a CI log says why, not only what.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { type Failure, failuresIn } from '../../src/test-failures.js';

const failing = `
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
describe('the toolbox', () => {
  test('ping reaches the web container', () => {
    assert.equal(1, 0, 'docker run nettools ping -c 1 web\\n1 packets transmitted, 0 received');
  });
  test('iperf3 measures', () => {});
});
`;

// A node:test run started from a test reports to it (NODE_TEST_CONTEXT) unless told it is a run of its own.
const { NODE_TEST_CONTEXT: _, ...outsideThisRun } = process.env;

test("a failed test is named once, with its assertion's message and the command's output, without the stack", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-failures-'));
  try {
    fs.writeFileSync(path.join(dir, 'toolbox.test.mjs'), failing);
    const out = await promisify(execFile)(process.execPath, ['--test', '--test-reporter=spec', path.join(dir, 'toolbox.test.mjs')], { env: outsideThisRun }).then(
      () => assert.fail('the fixture test should fail'),
      (err: { stdout: string }) => err.stdout,
    );
    const failures = failuresIn(out);
    assert.deepEqual(failures.map((f) => f.name), ['ping reaches the web container', 'the toolbox']);
    const [ping, suite] = failures as [Failure, Failure];
    assert.equal(ping.reason[0], 'AssertionError [ERR_ASSERTION]: docker run nettools ping -c 1 web');
    assert.ok(ping.reason.includes('1 packets transmitted, 0 received'), ping.reason.join('\n'));
    assert.ok(ping.reason.includes('1 !== 0'), ping.reason.join('\n'));
    assert.ok(!ping.reason.some((line) => /^\s*at\s/.test(line)), 'no stack lines');
    assert.deepEqual(suite.reason, []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a reason is cut to 15 lines of 300 characters at most, however long the output it quotes', () => {
  const long = ['  ✖ floods (5ms)', '    Error: x', ...Array.from({ length: 40 }, () => `    ${'y'.repeat(1000)}`), '      at f (a.js:1:1)'].join('\n');
  const [f] = failuresIn(long) as [Failure];
  assert.equal(f.name, 'floods');
  assert.equal(f.reason.length, 15);
  assert.ok(f.reason.every((line) => line.length <= 300));
});
