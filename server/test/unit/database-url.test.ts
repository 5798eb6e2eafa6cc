// BERTH_DATABASE_URL as an operator writes it: unset keeps the one-box SQLite file; a PostgreSQL URL is taken;
// anything else is refused by name, and the URL's password is never repeated back.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { databaseWhere } from '../../src/store/database-url.js';

test('without BERTH_DATABASE_URL Berth keeps everything in BERTH_DATA/berth.db', () => {
  const c = loadConfig({ BERTH_DATA: '/srv/berth' });
  assert.equal(c.databaseUrl, null);
  assert.equal(c.databaseFile, path.join('/srv/berth', 'berth.db'));
});

test('a postgres:// or postgresql:// URL is the database Berth servers share', () => {
  for (const url of ['postgres://berth:pw@db.example.org:5432/berth', 'postgresql://berth@/berth?host=/run/postgresql']) {
    assert.equal(loadConfig({ BERTH_DATABASE_URL: url }).databaseUrl, url);
  }
});

test('a URL of another kind is refused by name, and its password is not repeated', () => {
  for (const url of ['mysql://berth:hunter2-secret@db.example.org/berth', 'berth:hunter2-secret@db.example.org']) {
    assert.throws(
      () => loadConfig({ BERTH_DATABASE_URL: url }),
      (err: Error) => err instanceof ConfigError && /BERTH_DATABASE_URL must be a PostgreSQL URL like postgres:\/\//.test(err.message) && !err.message.includes('hunter2'),
    );
  }
});

test('a PostgreSQL URL that cannot be read is refused by name, and its password is not repeated', () => {
  assert.throws(
    () => loadConfig({ BERTH_DATABASE_URL: 'postgres://berth:hunter2-secret@db.example.org:fivefourthreetwo/berth' }),
    (err: Error) => err instanceof ConfigError && /BERTH_DATABASE_URL could not be read: Invalid URL/.test(err.message) && !err.message.includes('hunter2'),
  );
});

test("an operator's message names the database's host, port, name and user, never the password", () => {
  assert.equal(databaseWhere('postgres://berth:hunter2@db.example.org:6432/shared'), 'db.example.org:6432, database "shared", user "berth"');
  assert.equal(databaseWhere('postgresql://db.example.org/berth'), 'db.example.org:5432, database "berth"');
  assert.equal(databaseWhere('postgresql://berth:hunter2@/berth?host=/run/postgresql'), '/run/postgresql:5432, database "berth", user "berth"');
});
