// A step's default solve: its solution, with plain fetches tried again while a server just started comes up.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { defaultSolve } from '../../src/lessons/default-solve.js';

test('plain curl and wget lines are retried; anything with pipes, redirections or expansions runs as written', () => {
  const solve = defaultSolve([
    'docker run -d -p 5000:5000 --name registry registry',
    'curl localhost:5000/v2/',
    'docker run --rm --network appnet busybox wget -qO- api',
    'curl -s localhost:8080 | grep -q nginx',
    'curl "$(cat url)"',
  ]);
  const lines = solve.split('\n');
  assert.match(lines[0]!, /^berth_retry\(\)/);
  assert.deepEqual(lines.slice(1), [
    'docker run -d -p 5000:5000 --name registry registry',
    'berth_retry curl localhost:5000/v2/',
    'berth_retry docker run --rm --network appnet busybox wget -qO- api',
    'curl -s localhost:8080 | grep -q nginx',
    'curl "$(cat url)"',
  ]);
  assert.equal(defaultSolve(['docker ps -a']), 'docker ps -a', 'nothing to retry: the solution as it is');
});

test('a fetch that fails while its server comes up succeeds once the server answers, without waiting out its tries', () => {
  const [retry] = defaultSolve(['curl x']).split('\n');
  // Works on the third try (a counter file stands in for a server coming up).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-solve-'));
  try {
    const flaky = `sh -c 'n=$(cat ${dir}/n 2>/dev/null || echo 0); echo $((n+1)) > ${dir}/n; [ $n -ge 2 ]'`;
    execFileSync('bash', ['-c', `${retry}\nberth_retry ${flaky}`]);
    assert.equal(fs.readFileSync(path.join(dir, 'n'), 'utf8').trim(), '3');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
