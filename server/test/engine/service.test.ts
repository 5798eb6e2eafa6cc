// `berth service install | uninstall` against a real systemd (booted as PID 1 of a namespace of its own,
// see systemd-container.ts, since this host's PID 1 is not systemd): the unit it writes runs the real
// `berth start`, a kill -9 of the server is followed by systemd starting it again with its session still
// there, the log is in the journal, and uninstall leaves no unit and no server.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createRuntime } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { hostPaths } from '../../src/host/host-services.js';
import { run } from '../../src/host/run-command.js';
import { ENVIRONMENT_FILE, UNIT_FILE, UNIT_NAME } from '../../src/service/service-unit.js';
import { createSession, eventually, TerminalClient, testServerPorts } from '../helpers.js';
import { SystemdContainer } from '../systemd-container.js';

const berth = path.resolve(import.meta.dirname, '..', '..', '..', 'scripts', 'berth.mjs');

async function healthAnswers(url: string): Promise<void> {
  const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5000) });
  assert.ok([200, 503].includes(res.status), `health answered ${res.status}`);
}

test('on a machine without systemd, service install refuses with the reason and writes nothing', async () => {
  const unitBefore = fs.existsSync(UNIT_FILE);
  const envBefore = fs.existsSync(ENVIRONMENT_FILE);
  // A mount namespace with an empty /run is a machine systemd does not run (whatever this host's PID 1 is).
  const r = await run('unshare', ['--mount', 'sh', '-c', 'mount -t tmpfs tmpfs /run && exec "$0" "$@"', process.execPath, berth, 'service', 'install'], {
    allowFailure: true,
  });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /berth: systemd is not running on this machine \(PID 1 is "[^"]+"\), so Berth cannot be installed as a service/);
  assert.equal(fs.existsSync(UNIT_FILE), unitBefore);
  assert.equal(fs.existsSync(ENVIRONMENT_FILE), envBefore);
});

test('service install runs Berth under systemd; kill -9 of the server: systemd starts it again and its session is still there; uninstall removes it', async (t) => {
  const instance = `t-${crypto.randomBytes(3).toString('hex')}`;
  const { port } = testServerPorts();
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({ ...process.env, BERTH_INSTANCE: instance });
  // Session disks are loop-mounted by the server inside the namespace; the engine must see them: those of
  // its instance, and those of the test sandbox (instance "canary") every start runs.
  const sessions = path.join(hostPaths(config).sessions, instance);
  const canarySessions = path.join(hostPaths(config).sessions, 'canary');
  for (const dir of [sessions, canarySessions]) {
    fs.mkdirSync(dir, { recursive: true });
    await run('mount', ['--bind', dir, dir]);
    await run('mount', ['--make-shared', dir]);
  }
  let box: SystemdContainer | undefined;
  try {
    let since = Date.now();
    const took = (what: string) => {
      t.diagnostic(`${what}: ${((Date.now() - since) / 1000).toFixed(1)} s`);
      since = Date.now();
    };
    box = await SystemdContainer.boot([sessions, canarySessions]);
    took('systemd booted');
    const settings = {
      BERTH_INSTANCE: instance,
      BERTH_PORT: String(port),
      BERTH_HOST: '127.0.0.1',
      BERTH_POOL_SIZE: '0',
      BERTH_LOG_LEVEL: 'info',
      BERTH_TEST_NOTE: 'a "quoted" $value, with spaces \\ and `ticks`',
    };
    const install = await box.exec(process.execPath, [berth, 'service', 'install'], settings);
    assert.equal(install.code, 0, install.stderr + install.stdout);
    assert.match(install.stdout, /\[service\] wrote \/etc\/default\/berth with BERTH_HOST, BERTH_INSTANCE, BERTH_LOG_LEVEL, BERTH_POOL_SIZE, BERTH_PORT, BERTH_TEST_NOTE/);
    assert.match(install.stdout, /\[service\] berth\.service is enabled and started/);
    assert.match(install.stdout, /journalctl -u berth -f/);
    const verify = await box.exec('systemd-analyze', ['verify', UNIT_FILE]);
    assert.equal(verify.code, 0, verify.stderr);
    assert.equal(verify.stderr.trim(), '', 'systemd reads the unit without a complaint');
    assert.equal(await box.show(UNIT_NAME, 'UnitFileState'), 'enabled');

    await eventually(() => healthAnswers(url), 100_000).catch(async (err: Error) => {
      // What the server said is in the journal: a failure shows it.
      const journal = await box!.exec('journalctl', ['--identifier', 'berth', '--no-pager', '--output', 'cat']);
      throw new Error(`${err.message}; the unit's journal ends with:\n${journal.stdout.slice(-4000)}`);
    });
    took('installed and answering (berth start: host checks, images, page build)');
    const firstPid = Number(await box.show(UNIT_NAME, 'MainPID'));
    const server = box.hostPid(firstPid);
    assert.ok(server, `the unit's main process (${firstPid} inside) is running`);
    // The operator's settings reach the server as they were written, quotes, $ and all.
    const environ = fs.readFileSync(`/proc/${server}/environ`, 'utf8').split('\0');
    for (const [name, value] of Object.entries(settings)) assert.ok(environ.includes(`${name}=${value}`), `${name} reached the server`);

    const s = await createSession({ url });
    const term = await TerminalClient.connect({ url }, s);
    await term.ready();
    assert.equal((await term.run('touch ~/made-before-the-kill')).exit, 0);

    since = Date.now();
    process.kill(server, 'SIGKILL');
    await term.waitFor(() => term.closeInfo, 5000, 'the terminal to drop with the server');
    const secondPid = await eventually(async () => {
      const pid = Number(await box!.show(UNIT_NAME, 'MainPID'));
      assert.ok(pid > 0 && pid !== firstPid, 'systemd started a new server');
      return pid;
    }, 20_000);
    assert.equal(await box.show(UNIT_NAME, 'NRestarts'), '1');
    await eventually(() => healthAnswers(url), 100_000);
    took('killed, restarted by systemd and answering again');
    assert.equal(Number(await box.show(UNIT_NAME, 'MainPID')), secondPid, 'the new server kept running');
    const restarted = box.hostPid(secondPid)!;

    const auth = { authorization: `Bearer ${s.token}` };
    const view = await fetch(`${url}/api/sessions/${s.id}`, { headers: auth });
    assert.equal(view.status, 200);
    assert.equal((await view.json()).state, 'ready');
    const again = await TerminalClient.connect({ url }, s);
    await again.ready();
    assert.equal((await again.run('ls ~/made-before-the-kill')).exit, 0);
    await again.close();

    // The second start logged to the journal too.
    // Both starts logged to the journal, under the unit's SyslogIdentifier. (Not read by `--unit` here: the
    // first start's later lines were missing from `--unit` in two CI runs; this journald sees the host's
    // /proc, so the unit it looks up for a line's PID can be another process's, the likely cause.)
    // The server answers a moment before it logs that it is ready: the lines are waited for.
    const readyLine = `Berth is ready on http://localhost:${port}`;
    await eventually(async () => {
      const journal = await box!.exec('journalctl', ['--identifier', 'berth', '--no-pager', '--output', 'cat']);
      assert.equal(journal.stdout.split(readyLine).length - 1, 2, journal.stdout.slice(-3000));
    }, 90_000);

    assert.equal((await fetch(`${url}/api/sessions/${s.id}`, { method: 'DELETE', headers: auth })).status, 204);
    const uninstall = await box.exec(process.execPath, [berth, 'service', 'uninstall'], settings);
    assert.equal(uninstall.code, 0, uninstall.stderr + uninstall.stdout);
    assert.match(uninstall.stdout, /\[service\] stopped and disabled berth\.service/);
    assert.match(uninstall.stdout, /\[service\] removed \/etc\/systemd\/system\/berth\.service/);
    assert.match(uninstall.stdout, /\[service\] removed \/etc\/default\/berth/);
    assert.equal(await box.show(UNIT_NAME, 'LoadState'), 'not-found');
    assert.notEqual((await box.exec('test', ['-e', UNIT_FILE])).code, 0, 'the unit file is gone');
    assert.throws(() => process.kill(restarted, 0), { code: 'ESRCH' }, 'the server process is gone');
    await assert.rejects(fetch(`${url}/api/health`), 'nothing answers on the port');

    const twice = await box.exec(process.execPath, [berth, 'service', 'uninstall'], settings);
    assert.equal(twice.code, 0);
    assert.match(twice.stdout, /Berth is not installed as a service .*nothing to do/);
  } finally {
    await box?.close();
    await createRuntime({ ...config, instance }).sweep(new Set());
    for (const mount of (await run('findmnt', ['-rn', '-o', 'TARGET'])).stdout.split('\n').filter((m) => m.startsWith(sessions + path.sep)).reverse()) {
      await run('umount', ['-l', mount], { allowFailure: true });
    }
    await run('umount', [sessions], { allowFailure: true });
    await run('umount', [canarySessions], { allowFailure: true });
    fs.rmSync(sessions, { recursive: true, force: true });
  }
});
