// The session's entrypoint writes the mirror list the server gives it (BERTH_REGISTRY_MIRRORS) into a copy of
// the image's daemon.json: run here on the repository's daemon.json (the one the image is built with), the
// copy is valid JSON with the mirrors in order and each one an insecure (http) registry; a value that is not
// a list of address:port words stops the entrypoint with its reason instead of reaching dockerd's config.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const native = path.resolve(import.meta.dirname, '..', '..', '..', 'native', 'session');

/** The entrypoint's mirror step alone (from its comment to its `fi`), then the config it chose. */
function mirrorStep(mirrors: string): { code: number | null; out: string; config?: Record<string, unknown> } {
  const script = fs.readFileSync(path.join(native, 'berth-entrypoint'), 'utf8');
  const from = script.indexOf('# The registries the engine pulls through');
  const to = script.indexOf('\nfi\n', from) + 4;
  assert.ok(from > 0 && to > from, 'the step is in the entrypoint');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-mirrors-'));
  try {
    const r = spawnSync('bash', ['-c', `set -uo pipefail\ndie() { echo "error: $*"; exit 1; }\n${script.slice(from, to)}\ncat "$BERTH_CONF"`], {
      env: { PATH: process.env.PATH, XDG_RUNTIME_DIR: dir, BERTH_CONF: path.join(native, 'daemon.json'), BERTH_REGISTRY_MIRRORS: mirrors },
      encoding: 'utf8',
    });
    let config: Record<string, unknown> | undefined;
    try {
      config = r.status === 0 ? JSON.parse(r.stdout) : undefined;
    } catch {
      // said by the assertion
    }
    return { code: r.status, out: r.stdout + r.stderr, config };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('the offline mirror, then the cache: both in registry-mirrors in order, both insecure (http), the rest of daemon.json kept', () => {
  const r = mirrorStep('198.18.0.1:5000 198.18.0.1:5002');
  assert.equal(r.code, 0, r.out);
  assert.ok(r.config, `valid JSON:\n${r.out}`);
  assert.deepEqual(r.config['registry-mirrors'], ['http://198.18.0.1:5000', 'http://198.18.0.1:5002']);
  assert.deepEqual(r.config['insecure-registries'], ['198.18.0.1:5000', '198.18.0.1:5002']);
  const original = JSON.parse(fs.readFileSync(path.join(native, 'daemon.json'), 'utf8')) as Record<string, unknown>;
  for (const key of Object.keys(original).filter((k) => !['registry-mirrors', 'insecure-registries'].includes(k))) assert.deepEqual(r.config[key], original[key], key);
});

test('offline only: the one mirror', () => {
  const r = mirrorStep('198.18.0.1:5000');
  assert.deepEqual(r.config?.['registry-mirrors'], ['http://198.18.0.1:5000']);
});

test('a value that is not address:port words is refused, never written into the config', () => {
  for (const bad of ['198.18.0.1:5000"], "debug": true, "x": ["', 'https://evil.example:443', '198.18.0.1:5000|sh', 'registry:5000']) {
    const r = mirrorStep(bad);
    assert.equal(r.code, 1, bad);
    assert.match(r.out, /^error: BERTH_REGISTRY_MIRRORS: '.*' is not an address:port$/m, bad);
  }
});
