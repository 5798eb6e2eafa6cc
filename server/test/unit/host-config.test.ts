import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readHostAptSources } from '../../src/host/apt-sources.js';
import { firewall6Rules, firewallRules } from '../../src/host/firewall.js';
import { nextFreeSubordinateStart } from '../../src/host/host-network.js';

test('the Debian mirror is read from deb822 sources', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apt-'));
  fs.mkdirSync(path.join(dir, 'sources.list.d'));
  fs.writeFileSync(
    path.join(dir, 'sources.list.d', 'debian.sources'),
    'Types: deb\nURIs: http://mirror.test/debian\nSuites: bookworm\nComponents: main\n\nTypes: deb\nURIs: http://mirror.test/debian-security\nSuites: bookworm-security\n\nTypes: deb-src\nURIs: http://src.test/debian\n',
  );
  assert.deepEqual(readHostAptSources(dir), { archive: 'http://mirror.test/debian', security: 'http://mirror.test/debian-security' });
  fs.rmSync(dir, { recursive: true });
});

test('the Debian mirror is read from a classic sources.list', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apt-'));
  fs.writeFileSync(path.join(dir, 'sources.list'), '# comment\ndeb [arch=amd64] http://m.test/debian/ bookworm main\n');
  assert.deepEqual(readHostAptSources(dir), { archive: 'http://m.test/debian', security: '' });
  fs.rmSync(dir, { recursive: true });
});

test('subordinate ids for the remap user start above every existing range', () => {
  assert.equal(nextFreeSubordinateStart(''), 231072);
  assert.equal(nextFreeSubordinateStart('alice:100000:65536\nbob:300000:65536\n'), 365536);
});

test('the firewall allows only the service ports and rejects the rest (TCP with a reset first)', () => {
  const rules = firewallRules({ serviceIp: '198.18.0.1', allowedPorts: [5000, 3142] }).map((r) => `${r.chain} ${r.rule.join(' ')}`);
  assert.deepEqual(rules, [
    'BERTH-INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
    'BERTH-INPUT -d 198.18.0.1/32 -p tcp --dport 5000 -j ACCEPT',
    'BERTH-INPUT -d 198.18.0.1/32 -p tcp --dport 3142 -j ACCEPT',
    'BERTH-INPUT -p tcp -j REJECT --reject-with tcp-reset',
    'BERTH-INPUT -j REJECT --reject-with icmp-port-unreachable',
    'BERTH-FORWARD -p tcp -j REJECT --reject-with tcp-reset',
    'BERTH-FORWARD -j REJECT --reject-with icmp-port-unreachable',
  ]);
  assert.ok(!rules.some((r) => / DROP/.test(r)), 'never DROP');
});

test('for IPv6 the firewall allows session bridges nothing (Berth\'s services are IPv4 only)', () => {
  assert.deepEqual(
    firewall6Rules().map((r) => `${r.chain} ${r.rule.join(' ')}`),
    [
      'BERTH-INPUT -p tcp -j REJECT --reject-with tcp-reset',
      'BERTH-INPUT -j REJECT --reject-with icmp6-port-unreachable',
      'BERTH-FORWARD -p tcp -j REJECT --reject-with tcp-reset',
      'BERTH-FORWARD -j REJECT --reject-with icmp6-port-unreachable',
    ],
  );
});
