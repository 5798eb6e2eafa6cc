import assert from 'node:assert/strict';
import { test } from 'node:test';
import { environmentFile, serviceUnit } from '../../src/service/service-unit.js';

/** section -> key -> values, in order (a key may repeat). */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> | undefined;
  for (const line of text.split('\n')) {
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) current = sections[header[1]!] = {};
    else if (line && !line.startsWith('#')) {
      const at = line.indexOf('=');
      assert.ok(current && at > 0, `a key=value line inside a section: ${line}`);
      (current[line.slice(0, at)] ??= []).push(line.slice(at + 1));
    }
  }
  return sections;
}

const options = { checkout: '/opt/berth', node: '/usr/bin/node', environmentFile: '/etc/default/berth' };

test('the unit runs "berth start" from the checkout with the settings file, after the network is up', () => {
  const unit = parseUnit(serviceUnit(options));
  assert.deepEqual(unit.Service!.ExecStart, ['/usr/bin/node /opt/berth/scripts/berth.mjs start']);
  assert.deepEqual(unit.Service!.WorkingDirectory, ['/opt/berth']);
  assert.deepEqual(unit.Service!.EnvironmentFile, ['-/etc/default/berth']);
  assert.deepEqual(unit.Unit!.After, ['network-online.target']);
  assert.deepEqual(unit.Unit!.Wants, ['network-online.target']);
  assert.deepEqual(unit.Install!.WantedBy, ['multi-user.target']);
});

test('a crash restarts it, a stop sends SIGTERM to the server alone and waits for it, logs go to the journal', () => {
  const s = parseUnit(serviceUnit(options)).Service!;
  assert.deepEqual(s.Restart, ['on-failure']);
  assert.deepEqual(s.RestartSec, ['3']);
  assert.deepEqual(s.KillSignal, ['SIGTERM']);
  assert.deepEqual(s.KillMode, ['process']);
  assert.ok(Number(s.TimeoutStopSec![0]) >= 120, 'time to end or hand over many sessions');
  assert.deepEqual(s.StandardOutput, ['journal']);
  assert.deepEqual(s.StandardError, ['journal']);
  assert.deepEqual(s.SyslogIdentifier, ['berth']);
  for (const isolating of ['PrivateTmp', 'ProtectSystem', 'PrivateMounts']) assert.equal(s[isolating], undefined, `${isolating} would hide session disk mounts from the engine`);
});

test('a checkout path with spaces, % and $ is quoted and escaped the way systemd reads it', () => {
  const unit = parseUnit(serviceUnit({ ...options, checkout: '/srv/my berth/100%/$x' }));
  assert.deepEqual(unit.Service!.ExecStart, ['/usr/bin/node "/srv/my berth/100%%/$$x/scripts/berth.mjs" start']);
  assert.deepEqual(unit.Service!.WorkingDirectory, ['/srv/my berth/100%%/$x']);
});

test('relative paths and line breaks are refused with the option named', () => {
  assert.throws(() => serviceUnit({ ...options, checkout: 'berth' }), /checkout must be an absolute path/);
  assert.throws(() => serviceUnit({ ...options, node: '/usr/bin/node\nExecStartPre=/bin/evil' }), /node must not contain a line break/);
});

test('the settings file holds the BERTH_* variables only, sorted, each value double-quoted and escaped', () => {
  const text = environmentFile({ PATH: '/usr/bin', BERTH_PORT: '9090', BERTH_DATA: '/srv/berth data', BERTH_X: 'a "b" $c `d` \\e', HOME: '/root' });
  const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
  assert.deepEqual(lines, ['BERTH_DATA="/srv/berth data"', 'BERTH_PORT="9090"', 'BERTH_X="a \\"b\\" \\$c \\`d\\` \\\\e"']);
  assert.throws(() => environmentFile({ BERTH_HOST: 'x\nBERTH_ENGINE=/tmp/s' }), /BERTH_HOST must not contain a line break/);
});
