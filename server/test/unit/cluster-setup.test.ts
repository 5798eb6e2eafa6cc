import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostOf, readJoinToken } from '../../src/runtime/lxd/cluster-setup.js';

const tokenOf = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64');

test("a join token of LXD's gives the new member's name and the cluster's addresses", () => {
  const token = tokenOf({ server_name: 'box2', fingerprint: 'ab12', addresses: ['192.168.1.10:8443', '[fd00::3]:8443'], secret: 'c0ffee', expires_at: '2026-12-05T12:00:00Z' });
  assert.deepEqual(readJoinToken(token), { serverName: 'box2', addresses: ['192.168.1.10:8443', '[fd00::3]:8443'] });
  assert.equal(hostOf('192.168.1.10:8443'), '192.168.1.10');
  assert.equal(hostOf('[fd00::3]:8443'), 'fd00::3');
});

test('what is not a join token is refused with a sentence saying where one comes from', () => {
  const sentence = /that is not a join token: `npx berth cluster add <name>` on a member of the cluster prints one/;
  for (const bad of ['', 'short', 'x'.repeat(5000), 'not base64 at all!!!!!!', tokenOf({ server_name: 'box2' }), tokenOf({ server_name: 'b', secret: 's', addresses: [] }), tokenOf([1, 2, 3]), tokenOf('a string')]) {
    assert.throws(() => readJoinToken(bad), sentence, bad.slice(0, 40));
  }
});
