// What `berth cluster status` tells an operator (the members come from LXD: server/test/cluster runs the command
// against a real 3-member cluster; here the words for members that are away).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterStatusText, type MemberStatus } from '../../src/runtime/lxd/cluster-status.js';

const member = (name: string, status: string, running: number, message = '', socket = false): MemberStatus => ({
  name, address: `https://10.0.0.${name.slice(1)}:8443`, status, message, database: true, sandboxes: { running, all: 2 }, socket,
});

test('one LXD, not clustered: the operator reads that every sandbox runs here', () => {
  assert.equal(clusterStatusText(null, '/var/lib/lxd/unix.socket', undefined), 'LXD at /var/lib/lxd/unix.socket is one machine, not a cluster: every sandbox runs here.');
});

test('a lost and an evacuated member: a line each, saying what happened to their sessions and what to do', () => {
  const text = clusterStatusText([member('m1', 'Online', 2), member('m2', 'Offline', 0, 'No heartbeat for 21s'), member('m3', 'Evacuated', 0)], '/s', 'm1');
  const lines = text.split('\n');
  assert.match(lines[0]!, /^member\s+address\s+status\s+database\s+sandboxes \(running\/all\)$/);
  assert.match(lines[1]!, /^m1 \(this machine\)\s+https:\/\/10\.0\.0\.1:8443\s+Online\s+yes\s+2\/2$/);
  assert.match(text, /m2 is Offline \(No heartbeat for 21s\): its visitors' sessions were ended/);
  assert.match(text, /Start its LXD daemon again; Berth removes what is left of its sandboxes once it answers/);
  assert.match(text, /When its maintenance is done: lxc cluster restore m3/);
});

test('BERTH_LXD_MEMBER naming no member is pointed out', () => {
  assert.match(clusterStatusText([member('m1', 'Online', 1)], '/s', 'node-7'), /BERTH_LXD_MEMBER names "node-7", which is not a member/);
});

test('BERTH_LXD_MEMBER unset: this machine is the member whose socket Berth uses', () => {
  const lines = clusterStatusText([member('m1', 'Online', 1), member('m2', 'Online', 1, '', true)], '/s', undefined).split('\n');
  assert.match(lines[1]!, /^m1\s/);
  assert.match(lines[2]!, /^m2 \(this machine\)\s/);
});
