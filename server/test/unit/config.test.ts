import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig, parseSize } from '../../src/config.js';

test('defaults match the documented ones', () => {
  const c = loadConfig({});
  assert.equal(c.port, 8080);
  assert.equal(c.engineSocket, '/run/berth/engine.sock');
  assert.equal(c.manageHost, true);
  assert.equal(c.sessionTtlMs, 60 * 60_000);
  assert.equal(c.idleTimeoutMs, 15 * 60_000);
  assert.equal(c.idleVisibleTimeoutMs, 30 * 60_000);
  assert.equal(c.diskBytes, 2 * 2 ** 30);
  assert.equal(c.memoryBytes, 2 ** 30);
  assert.equal(c.packageCacheBytes, 4 * 2 ** 30);
});

test('BERTH_PACKAGE_CACHE_SIZE sizes the package cache\'s disk, at least 256m', () => {
  assert.equal(loadConfig({ BERTH_PACKAGE_CACHE_SIZE: '10g' }).packageCacheBytes, 10 * 2 ** 30);
  assert.throws(() => loadConfig({ BERTH_PACKAGE_CACHE_SIZE: '10m' }), /BERTH_PACKAGE_CACHE_SIZE must be at least 256m/);
  assert.throws(() => loadConfig({ BERTH_PACKAGE_CACHE_SIZE: 'lots' }), /BERTH_PACKAGE_CACHE_SIZE=lots must be a size/);
});

test('BERTH_ENGINE points at another engine and turns host management off', () => {
  const c = loadConfig({ BERTH_ENGINE: 'unix:///var/run/other.sock' });
  assert.equal(c.engineSocket, '/var/run/other.sock');
  assert.equal(c.manageHost, false);
});

test('bad values are all reported at once, by name', () => {
  assert.throws(
    () => loadConfig({ BERTH_PORT: 'eighty', BERTH_SESSION_DISK: 'big', BERTH_ENGINE: 'tcp://x:2375', BERTH_INSTANCE: 'Bad Name' }),
    (err: Error) =>
      err instanceof ConfigError &&
      /BERTH_PORT=eighty/.test(err.message) &&
      /BERTH_SESSION_DISK=big/.test(err.message) &&
      /BERTH_ENGINE=tcp/.test(err.message) &&
      /BERTH_INSTANCE/.test(err.message),
  );
});

test('sizes', () => {
  assert.equal(parseSize('2g'), 2 * 2 ** 30);
  assert.equal(parseSize('512M'), 512 * 2 ** 20);
  assert.equal(parseSize('2GiB'), 2 * 2 ** 30);
  assert.equal(parseSize('1.5g'), 1.5 * 2 ** 30);
  assert.equal(parseSize('1024'), 1024);
  assert.equal(parseSize('lots'), null);
});
