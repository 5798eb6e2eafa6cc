import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnoseStartFailure, type HostFacts } from '../../src/host/start-diagnosis.js';
import { StartOutcomes, startFailedText, startsFailingText } from '../../src/sessions/start-outcomes.js';
import { StartProbe } from '../../src/sessions/start-probe.js';

const host: HostFacts = {
  tunDevice: '/var/lib/berth/dev/tun',
  dataDir: '/var/lib/berth',
  sessionImage: 'berth/session:latest',
  seccompProfile: '/var/lib/berth/seccomp.json',
  engineSocket: '/run/berth/engine.sock',
  mirror: '198.18.0.1:5000',
  manageHost: true,
};

function recordingLog() {
  const lines: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error') } };
}

const outcomes = () => {
  const { lines, log } = recordingLog();
  return { lines, starts: new StartOutcomes((text) => diagnoseStartFailure(text, host), log) };
};

test('a host is failing once two starts in a row failed, and healthy again once one works', () => {
  const { starts } = outcomes();
  assert.equal(starts.failing, false);
  starts.succeeded();
  const tunDenied = () => new Error('the sandbox stopped while starting: [rootlesskit:parent] error: failed to setup network &{} : open /dev/net/tun: permission denied');
  starts.failed(tunDenied(), 'abc', 'session');
  // One failure may be a fluke of a loaded host: the probe is to try again, visitors are not turned away yet.
  assert.deepEqual({ failing: starts.failing, doubtful: starts.doubtful }, { failing: false, doubtful: true });
  const failure = starts.failed(tunDenied(), 'probe', 'probe');
  assert.equal(starts.failing, true);
  assert.match(failure.reference, /^[A-HJ-NP-Z2-9]{6}$/);
  assert.equal(failure.cause, 'the tun device cannot be opened by the sessions');
  assert.deepEqual(starts.report(), { ok: 1, failed: 2, failing: true, lastFailure: failure });
  starts.succeeded();
  assert.equal(starts.doubtful, false);
  assert.equal(starts.report().failing, false);
  // The last failure stays in the report (when, which reference) after recovery.
  assert.equal(starts.report().lastFailure?.reference, failure.reference);
});

test('only recent starts are reported; the totals for /metrics keep counting', () => {
  const { starts } = outcomes();
  for (let i = 0; i < 25; i++) starts.succeeded();
  starts.failed(new Error('boom'), 'x', 'pool');
  assert.deepEqual({ ok: starts.report().ok, failed: starts.report().failed }, { ok: 19, failed: 1 });
  assert.deepEqual(starts.totals, { ok: 25, failed: 1 });
});

test("a failure is logged with the engine's full text under the same reference the visitor gets", () => {
  const { starts, lines } = outcomes();
  const text = 'the sandbox stopped while starting: line one\n[rootlesskit:child ] error: line two';
  const failure = starts.failed(new Error(text), 'abc', 'session');
  const line = lines.find((l) => l.level === 'error')!;
  assert.equal(line.obj.reference, failure.reference);
  assert.equal(line.obj.err, text);
  assert.match(line.msg!, new RegExp(failure.reference));
  const visitor = startFailedText(failure.reference, 'en');
  assert.match(visitor, new RegExp(failure.reference));
  assert.doesNotMatch(visitor, /rootlesskit|\n/);
  assert.match(startFailedText(failure.reference, 'zh'), new RegExp(`编号 ${failure.reference}`));
});

test('references differ from failure to failure', () => {
  const { starts } = outcomes();
  const refs = new Set(Array.from({ length: 50 }, () => starts.failed(new Error('x'), 'a', 'probe').reference));
  assert.equal(refs.size, 50);
});

test('every failure is told; recovery once, when a start works after failures', () => {
  const { starts, lines } = outcomes();
  const told: string[] = [];
  starts.on('failure', (f) => told.push(`failure ${f.cause}`));
  starts.on('recovered', () => told.push('recovered'));
  starts.failed(new Error('No such image: berth/session:latest'), 'a', 'session');
  starts.failed(new Error('No such image: berth/session:latest'), 'b', 'pool');
  starts.succeeded();
  starts.succeeded();
  assert.deepEqual(told, ['failure the session image berth/session:latest is missing', 'failure the session image berth/session:latest is missing', 'recovered']);
  assert.ok(lines.some((l) => l.level === 'info' && l.msg === 'sandbox starts work again'));
});

test('the diagnosis table names each known cause and its fix', () => {
  const cases: [string, RegExp, RegExp][] = [
    // As rootlesskit says it when the tun node is a fresh host's (0600, root).
    [
      'the sandbox stopped while starting: [berth-entrypoint] the engine exited during startup (status 1)\nopen: Permission denied\n[rootlesskit:parent] error: failed to setup network &{…}: setting up tap tap0: executing [[nsenter -t 27 -n -m -U --preserve-credentials ip tuntap add name tap0 mode tap]]: exit status 1',
      /tun device/,
      /npx berth prepare/,
    ],
    ['unable to start container process: unable to create session key: disk quota exceeded', /key quota/, /kernel\.keys\.maxkeys=20000/],
    ['(HTTP code 404) no such container - No such image: berth/not-built:latest', /session image berth\/session:latest is missing/, /npx berth prepare/],
    ['seccomp profile /var/lib/berth/seccomp.json is missing: run "npm start" once', /seccomp profile/, /npx berth prepare/],
    ['connect ECONNREFUSED /run/berth/engine.sock', /session engine is not answering/, /npx berth prepare/],
    ['mkfs.ext4: No space left on device', /disk holding \/var\/lib\/berth is full/, /df -h \/var\/lib\/berth/],
    ["docker run hello-world: exit code 125\nUnable to find image 'hello-world:latest' locally\ndocker: Error response from daemon: Get \"http://198.18.0.1:5000/v2/\": dial tcp: connection refused", /registry mirror/, /npx berth prepare/],
    ["the sandbox's Docker engine did not come up within 30 s: ...", /did not start in time/, /BERTH_READY_TIMEOUT_MS/],
  ];
  for (const [text, cause, fix] of cases) {
    const d = diagnoseStartFailure(text, host);
    assert.ok(d.known, text);
    assert.match(d.cause, cause, text);
    assert.match(d.fix, fix, text);
  }
  // An engine of the operator's: Berth does not make the tun node there, so the fix is on that host.
  assert.match(diagnoseStartFailure('open /dev/net/tun: operation not permitted', { ...host, manageHost: false }).fix, /chmod 0666 \/dev\/net\/tun/);
});

test('an unknown failure gets a generic answer quoting its first line only', () => {
  const d = diagnoseStartFailure('\nsomething odd happened\nsecond line\nthird line', host);
  assert.equal(d.known, false);
  assert.match(d.likely, /"something odd happened"/);
  assert.doesNotMatch(d.likely, /second line/);
  assert.match(d.fix, /npx berth check/);
});

test('Start while starts fail: a sentence in the visitor language', () => {
  assert.match(startsFailingText('en'), /^Sandboxes cannot start right now/);
  assert.match(startsFailingText('zh'), /^沙箱现在无法启动/);
});

test('the probe keeps trying while starts fail, backing off, and stops once one works', async () => {
  const { starts } = outcomes();
  let tries = 0;
  const probe = new StartProbe(
    starts,
    async () => {
      tries++;
      if (tries < 3) throw new Error('open /dev/net/tun: permission denied');
    },
    [5, 10, 20],
  );
  probe.start();
  starts.failed(new Error('open /dev/net/tun: permission denied'), 'a', 'session');
  const seen = { failing: false };
  const deadline = Date.now() + 2000;
  while (starts.doubtful && Date.now() < deadline) {
    seen.failing ||= starts.failing;
    await new Promise((r) => setTimeout(r, 1));
  }
  assert.equal(seen.failing, true, "the probe's own failure confirmed the host was failing");
  assert.equal(starts.failing, false);
  assert.equal(tries, 3);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(tries, 3, 'no tries once starts work');
  await probe.stop();
});
