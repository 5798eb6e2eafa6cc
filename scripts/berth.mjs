#!/usr/bin/env node
// Entry point for `npm start`, `npm test` and `npx berth …`: makes sure npm packages are installed,
// then hands over to the TypeScript CLI (server/src/cli.ts) in this same process, so signals reach it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`berth: Node.js 20.19 or newer is needed (this is ${process.versions.node}).`);
  process.exit(1);
}

const stamp = path.join(root, 'node_modules', '.berth-installed');
const lock = path.join(root, 'package-lock.json');
const stale = !fs.existsSync(stamp) || (fs.existsSync(lock) && fs.statSync(lock).mtimeMs > fs.statSync(stamp).mtimeMs);
if (stale) {
  console.log('[npm] installing packages (npm install)…');
  const env = { ...process.env };
  // Native addons compile against the system's Node headers; they cannot be downloaded here.
  if (!env.npm_config_nodedir && fs.existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';
  // A fresh checkout gets exactly the locked versions; an existing one is brought up to date in place.
  const fresh = !fs.existsSync(path.join(root, 'node_modules'));
  const args = fresh && fs.existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  const r = spawnSync('npm', args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error('berth: npm install failed (see above).');
    process.exit(1);
  }
  fs.writeFileSync(stamp, new Date().toISOString());
}

const { register } = await import('tsx/esm/api');
register();
await import(pathToFileURL(path.join(root, 'server', 'src', 'cli.ts')).href);
