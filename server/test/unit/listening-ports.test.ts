// Which listening sockets of a session become port links: those a link can reach, never a loopback one
// (the engine's embedded DNS on 127.0.0.11 listens on a random TCP port in every session).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listeningPortsIn } from '../../src/runtime/engine-ports.js';

const HEAD = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const row = (local: string, state = '0A') =>
  `   0: ${local} 00000000:0000 ${state} 00000000:00000000 00:00000000 00000000  1000        0 5308652 1 00000000a1061f12 100 0 0 10 0\n`;

test("the engine's DNS helper on 127.0.0.11 is no port a visitor opened", () => {
  assert.deepEqual(listeningPortsIn(HEAD + row('0B00007F:9127')), []); // 127.0.0.11:37159
});

test('every loopback address is left out, in IPv4, IPv6 and IPv4-mapped IPv6', () => {
  const table =
    HEAD +
    row('0100007F:1F90') + // 127.0.0.1:8080
    row('0135007F:1F91') + // 127.0.53.1:8081
    row('00000000000000000000000001000000:1F92') + // [::1]:8082
    row('0000000000000000FFFF00000B00007F:1F93'); // [::ffff:127.0.0.11]:8083
  assert.deepEqual(listeningPortsIn(table), []);
});

test('servers on any address, the sandbox address or an IPv6 wildcard are listed; connections that do not listen are not', () => {
  const table =
    HEAD +
    row('00000000:1F90') + // 0.0.0.0:8080
    row('0A0012AC:1F91') + // 172.18.0.10:8081
    row('00000000000000000000000000000000:0050') + // [::]:80
    row('0A0012AC:1F92', '01') + // an established connection
    row('7F000001:1F93'); // 1.0.0.127: not loopback, whatever it looks like written the other way round
  assert.deepEqual(listeningPortsIn(table), [8080, 8081, 80, 8083]);
});
