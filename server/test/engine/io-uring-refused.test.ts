// io_uring is a large kernel surface (a long list of privilege escalations) that no session needs. Docker
// 20.10's seccomp profile, which Berth's starts from, still allows it; Berth's profile refuses the three
// calls with EPERM, as later Docker does, in the visitor's shell and in the containers they start, and the
// session's engine still runs containers. The profile is the one native/seccomp/make-profile.sh writes
// (build-images.sh installs it as $BERTH_DATA/seccomp.json, the profile every session gets).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createRuntime } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { hostPaths } from '../../src/host/host-services.js';

const makeProfile = path.resolve(import.meta.dirname, '../../../native/seccomp/make-profile.sh');
const IO_URING = ['io_uring_setup', 'io_uring_enter', 'io_uring_register'];
// x86-64 numbers. setup gets a zeroed io_uring_params; enter and register get fd -1 (EBADF where allowed).
const TRY_IO_URING = `perl -e 'my $p = "\\0" x 120; for ([425, 1, $p], [426, -1, 0, 0, 0, 0, 0], [427, -1, 0, 0, 0]) { my ($n, @a) = @$_; my $r = syscall($n, @a); print "call $n: ", ($r < 0 ? "errno " . ($!+0) : "fd $r"), "\\n" }'`;

describe('io_uring is refused in a session', () => {
  const config = loadConfig({ ...process.env, BERTH_INSTANCE: `t-${crypto.randomBytes(3).toString('hex')}`, BERTH_READY_TIMEOUT_MS: '30000' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-io-uring-'));
  const profile = path.join(dir, 'seccomp.json');
  const runtime = createRuntime(config, { seccompProfile: profile });
  const id = `u${crypto.randomBytes(4).toString('hex')}`;
  const visitor = async (script: string) => {
    const r = await runtime.exec(id, ['bash', '-c', script], { timeoutMs: 90_000 });
    return { exit: r.exitCode, out: r.output };
  };

  before(async () => {
    execFileSync('bash', [makeProfile, profile], { stdio: 'pipe' });
    await runtime.createSandbox(id);
  });
  after(async () => {
    await runtime.destroySandbox(id);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.join(hostPaths(config).sessions, config.instance), { recursive: true, force: true });
  });

  test('io_uring_setup, io_uring_enter and io_uring_register from the visitor\'s shell answer EPERM', async () => {
    const r = await visitor(TRY_IO_URING);
    assert.equal(r.exit, 0, r.out);
    assert.deepEqual(r.out.trim().split('\n'), ['call 425: errno 1', 'call 426: errno 1', 'call 427: errno 1']);
  });

  test('from a container the visitor starts (root there) they answer EPERM too, and the engine runs it', async () => {
    const r = await visitor(`docker run --rm debian ${TRY_IO_URING} 2>&1`);
    assert.equal(r.exit, 0, r.out);
    assert.deepEqual(r.out.trim().split('\n').slice(-3), ['call 425: errno 1', 'call 426: errno 1', 'call 427: errno 1']);
  });

  test('the profile sessions get on this host refuses them (no rule allows them)', () => {
    const rules = JSON.parse(fs.readFileSync(hostPaths(config).seccompProfile, 'utf8')).syscalls as Array<{ names: string[]; action: string; errnoRet?: number }>;
    for (const name of IO_URING) {
      const deciding = rules.filter((r) => r.names.includes(name));
      assert.deepEqual(deciding.map((r) => `${r.action} ${r.errnoRet}`), ['SCMP_ACT_ERRNO 1'], `${name} in ${hostPaths(config).seccompProfile}`);
    }
  });
});
