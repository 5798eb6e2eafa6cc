// The host firewall's rules are real iptables/ip6tables rules: here they are applied in a network
// namespace of the test's own (the host's firewall, which every running session relies on, is untouched).
// Another tool that inserts a rule before Berth's jumps (an ACCEPT in FORWARD, as a host's own Docker or
// ufw may) must be noticed by the liveness check, and the host watch's restore must put the jumps first
// again; IPv6 gets the same chains, rejecting everything.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

const fixture = path.resolve(import.meta.dirname, '../fixtures/firewall-in-netns.ts');
const ns = `berth-t-${crypto.randomBytes(3).toString('hex')}`;
const inNs = (cmd: string, args: string[]) => execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', stdio: 'pipe' });
const step = (name: 'apply' | 'active' | 'ensure') => inNs(process.execPath, ['--import', 'tsx', fixture, name]).trim();
const rules = (cmd: 'iptables' | 'ip6tables', chain: string) => inNs(cmd, ['-w', '-S', chain]).split('\n').filter((l) => l.startsWith('-A '));

describe('the firewall keeps its jumps first, for IPv4 and IPv6', () => {
  before(() => {
    execFileSync('ip', ['netns', 'add', ns]);
    step('apply');
  });
  after(() => {
    execFileSync('ip', ['netns', 'del', ns]);
  });

  test('applied, it is active: jumps first in INPUT and FORWARD, for both address families', () => {
    assert.equal(step('active'), 'active');
    for (const cmd of ['iptables', 'ip6tables'] as const) {
      assert.deepEqual(rules(cmd, 'INPUT'), ['-A INPUT -i berth+ -j BERTH-INPUT']);
      assert.deepEqual(rules(cmd, 'FORWARD'), ['-A FORWARD -o berth+ -j BERTH-FORWARD', '-A FORWARD -i berth+ -j BERTH-FORWARD']);
    }
  });

  test('a session has no IPv6 path: ip6tables rejects everything from and to session bridges', () => {
    assert.deepEqual(rules('ip6tables', 'BERTH-INPUT'), [
      '-A BERTH-INPUT -p tcp -j REJECT --reject-with tcp-reset',
      '-A BERTH-INPUT -j REJECT --reject-with icmp6-port-unreachable',
    ]);
    assert.deepEqual(rules('ip6tables', 'BERTH-FORWARD'), [
      '-A BERTH-FORWARD -p tcp -j REJECT --reject-with tcp-reset',
      '-A BERTH-FORWARD -j REJECT --reject-with icmp6-port-unreachable',
    ]);
  });

  test('another tool inserting an ACCEPT before the FORWARD jump is noticed, and the restore puts the jumps first again', () => {
    inNs('iptables', ['-w', '-I', 'FORWARD', '1', '-j', 'ACCEPT']);
    assert.equal(step('active'), 'inactive');
    assert.equal(step('ensure'), 'restored');
    assert.deepEqual(rules('iptables', 'FORWARD'), ['-A FORWARD -o berth+ -j BERTH-FORWARD', '-A FORWARD -i berth+ -j BERTH-FORWARD', '-A FORWARD -j ACCEPT']);
    assert.equal(step('active'), 'active');
    assert.equal(step('ensure'), 'untouched');
  });

  test('the same in INPUT, and for IPv6', () => {
    inNs('iptables', ['-w', '-I', 'INPUT', '1', '-j', 'ACCEPT']);
    assert.equal(step('active'), 'inactive');
    step('ensure');
    inNs('ip6tables', ['-w', '-I', 'FORWARD', '1', '-j', 'ACCEPT']);
    assert.equal(step('active'), 'inactive');
    assert.equal(step('ensure'), 'restored');
    assert.deepEqual(rules('iptables', 'INPUT'), ['-A INPUT -i berth+ -j BERTH-INPUT', '-A INPUT -j ACCEPT']);
    assert.deepEqual(rules('ip6tables', 'FORWARD'), ['-A FORWARD -o berth+ -j BERTH-FORWARD', '-A FORWARD -i berth+ -j BERTH-FORWARD', '-A FORWARD -j ACCEPT']);
  });

  test('an emptied Berth chain is noticed and refilled', () => {
    inNs('ip6tables', ['-w', '-F', 'BERTH-INPUT']);
    assert.equal(step('active'), 'inactive');
    assert.equal(step('ensure'), 'restored');
    assert.equal(rules('ip6tables', 'BERTH-INPUT').length, 2);
    inNs('iptables', ['-w', '-F', 'BERTH-FORWARD']);
    assert.equal(step('ensure'), 'restored');
    assert.equal(step('active'), 'active');
  });
});
