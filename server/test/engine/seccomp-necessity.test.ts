// Berth's seccomp profile is Docker's default plus seven syscalls a rootless engine needs (native/seccomp/
// make-profile.sh). Each addition must earn its place: with any one of them left to Docker's own rule, a
// session's engine cannot run a container. The full profile, for contrast, runs one.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { createRuntime } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { hostPaths } from '../../src/host/host-services.js';

const ADDED = ['unshare', 'setns', 'clone', 'mount', 'umount2', 'pivot_root', 'sethostname'];
const makeProfile = path.resolve(import.meta.dirname, '../../../native/seccomp/make-profile.sh');

describe('each syscall Berth adds to Docker\'s seccomp profile is needed', () => {
  const config = loadConfig({ ...process.env, BERTH_INSTANCE: `t-${crypto.randomBytes(3).toString('hex')}`, BERTH_READY_TIMEOUT_MS: '30000' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-seccomp-'));
  const sandboxes: Array<() => Promise<void>> = [];
  after(async () => {
    for (const destroy of sandboxes) await destroy();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.join(hostPaths(config).sessions, config.instance), { recursive: true, force: true });
  });

  /** Starts a sandbox with the profile and runs a container in it: the engine's output, or why it failed. */
  async function runContainer(profile: string): Promise<{ ok: boolean; said: string }> {
    const runtime = createRuntime(config, { seccompProfile: profile });
    const id = crypto.randomBytes(8).toString('hex').replace(/[^a-z0-9]/g, '').padEnd(9, 'a').slice(0, 9);
    sandboxes.push(() => runtime.destroySandbox(id));
    try {
      await runtime.createSandbox(id);
    } catch (err) {
      return { ok: false, said: `the sandbox did not start: ${(err as Error).message}` };
    }
    const r = await runtime.exec(id, ['docker', 'run', '--rm', 'busybox', 'echo', 'container-ran'], { timeoutMs: 60_000 });
    return { ok: r.exitCode === 0 && /container-ran/.test(r.output), said: r.output.trim().slice(-400) };
  }

  test('the full profile runs a container', async () => {
    const r = await runContainer(hostPaths(config).seccompProfile);
    assert.ok(r.ok, r.said);
  });

  for (const name of ADDED) {
    test(`without ${name}, the session's engine cannot run a container`, async () => {
      const profile = path.join(dir, `without-${name}.json`);
      execFileSync('bash', [makeProfile, profile], { env: { ...process.env, BERTH_SECCOMP_WITHOUT: name }, stdio: 'pipe' });
      const rules = JSON.parse(fs.readFileSync(profile, 'utf8')).syscalls as Array<{ names: string[]; action: string; includes?: { caps?: string[] }; args?: unknown[] | null }>;
      // Only Docker's own rules decide it now: allowed with CAP_SYS_ADMIN (which a session lacks) or, for
      // clone, without namespace flags; pivot_root not at all.
      const unconditional = rules.filter((r) => r.names.includes(name) && r.action === 'SCMP_ACT_ALLOW' && !r.includes?.caps?.length && !r.args?.length);
      assert.deepEqual(unconditional, []);
      const r = await runContainer(profile);
      assert.equal(r.ok, false, `it ran anyway: ${r.said}`);
      console.log(`without ${name}: ${r.said.split('\n').slice(-2).join(' ').slice(0, 200)}`);
    });
  }
});
