// The README shows the nginx config the e2e test runs, not a copy that drifts from it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');

test("the README's nginx config is docs/deploy/nginx.conf, word for word", () => {
  const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8');
  const conf = fs.readFileSync(path.join(repo, 'docs', 'deploy', 'nginx.conf'), 'utf8');
  assert.ok(readme.includes('```nginx\n' + conf + '```\n'), 'README.md\'s "Deploying behind a proxy" must show docs/deploy/nginx.conf as it is');
});
