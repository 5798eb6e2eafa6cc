// A click on an item of the engine view: the inspect answer turned into facts a learner reads, with the
// learner's bytes (a fake engine, huge env lists) bounded, and item names that could steer the API refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExecResult } from '../../src/runtime/runtime.js';
import { itemDetails } from '../../src/engine-view/item-details.js';

const answering = (value: unknown, exitCode = 0) => async (cmd: string[]): Promise<ExecResult> => {
  answering.last = cmd;
  return { exitCode, output: typeof value === 'string' ? value : JSON.stringify(value), timedOut: false };
};
answering.last = [] as string[];

test('a container: command, state, ports, networks, mounts and env, in that order', async () => {
  const details = await itemDetails(
    answering({
      Id: 'abc',
      Name: '/web',
      Config: { Image: 'nginx', Entrypoint: ['/docker-entrypoint.sh'], Cmd: ['nginx', '-g', 'daemon off;'], Env: ['PATH=/usr/bin', 'NGINX_VERSION=1.22'] },
      State: { Status: 'exited', ExitCode: 137, StartedAt: '2026-12-01T04:00:00Z' },
      HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '8080' }] }, RestartPolicy: { Name: 'no' } },
      NetworkSettings: { Networks: { bridge: { IPAddress: '172.17.0.2' } } },
      Mounts: [{ Type: 'volume', Name: 'data', Destination: '/data', RW: false }],
    }),
    'container',
    'web',
  );
  assert.deepEqual(answering.last.slice(-3), ['containers', 'web', '/json'], 'the name goes to the script as an argument');
  assert.equal(details.name, 'web');
  assert.deepEqual(details.facts.map((f) => f.label), ['Image', 'Command', 'State', 'Started', 'Ports', 'Networks', 'Mounts', 'Env', 'Restart']);
  assert.deepEqual(details.facts.find((f) => f.label === 'State')!.value, ['exited (exit 137)']);
  assert.deepEqual(details.facts.find((f) => f.label === 'Ports')!.value, ['8080 → 80/tcp']);
  assert.deepEqual(details.facts.find((f) => f.label === 'Mounts')!.value, ['volume data → /data (read-only)']);
});

test('hostile: names that could steer the API are refused; huge and odd answers are cut and capped', async () => {
  for (const bad of ['../images/json', 'a b', '', 'x'.repeat(200), '-rf']) {
    await assert.rejects(itemDetails(answering({}), 'container', bad), (err: Error & { statusCode?: number }) => err.statusCode === 400, bad);
  }
  const details = await itemDetails(answering({ Config: { Env: Array.from({ length: 1000 }, () => 'X='.padEnd(1000, 'y')), Cmd: 'not a list' }, State: [] }), 'container', 'web');
  const env = details.facts.find((f) => f.label === 'Env')!.value;
  assert.equal(env.length, 100);
  assert.equal(env[0]!.length, 512);
  await assert.rejects(itemDetails(answering('not json'), 'image', 'nginx'), (err: Error & { statusCode?: number }) => err.statusCode === 502);
  await assert.rejects(itemDetails(answering('', 22), 'volume', 'gone'), (err: Error & { statusCode?: number }) => err.statusCode === 404);
});
