// BERTH_EGRESS and its companions, validated at start; and what a session is given when egress is on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { egressSpec } from '../../src/egress/egress-daemon.js';
import { sessionProxy } from '../../src/egress/session-proxy.js';
import { firewallRules } from '../../src/host/firewall.js';
import { firewallOptions } from '../../src/host/host-services.js';

const base = { BERTH_DATA: '/tmp/berth-egress-config' };

test('egress is off by default: sessions are given no proxy', () => {
  const config = loadConfig(base);
  assert.equal(config.egress.mode, 'off');
  assert.equal(sessionProxy(config), undefined);
});

test('a wrong BERTH_EGRESS, an address or a whole top-level domain in BERTH_EGRESS_HOSTS, or a taken port stop Berth with a message naming it', () => {
  assert.throws(() => loadConfig({ ...base, BERTH_EGRESS: 'on' }), (e: Error) => e instanceof ConfigError && /BERTH_EGRESS=on must be off or registries/.test(e.message));
  assert.throws(() => loadConfig({ ...base, BERTH_EGRESS_HOSTS: 'pkgs.example.org 169.254.169.254' }), /BERTH_EGRESS_HOSTS: 169\.254\.169\.254 is an IP address, not a host name/);
  assert.throws(() => loadConfig({ ...base, BERTH_EGRESS_HOSTS: '*.org' }), /BERTH_EGRESS_HOSTS: \*\.org would allow a whole top-level domain/);
  assert.throws(() => loadConfig({ ...base, BERTH_EGRESS_PORT: '5000' }), /BERTH_EGRESS_PORT=5000 is taken by the mirror or the package cache/);
});

test('with registries, the shell gets HTTPS_PROXY and NO_PROXY, a new home the Docker CLI\'s proxies, the proxy its limits, the firewall its port', () => {
  const config = loadConfig({ ...base, BERTH_EGRESS: 'registries', BERTH_EGRESS_HOSTS: 'https://pkgs.example.org/simple, *.code.example.org', BERTH_EGRESS_RATE: '1m' });
  assert.deepEqual(config.egress.hosts, ['pkgs.example.org', '*.code.example.org']);
  const given = sessionProxy(config)!;
  assert.ok(given.env.includes('HTTPS_PROXY=http://198.18.0.1:3128') && given.env.includes('https_proxy=http://198.18.0.1:3128'));
  assert.ok(!given.env.some((e) => /^http_proxy=/i.test(e)), 'plain http between containers stays direct');
  const noProxy = given.env.find((e) => e.startsWith('NO_PROXY='))!;
  for (const direct of ['localhost', '127.0.0.0/8', '198.18.0.1', '10.0.0.0/8']) assert.ok(noProxy.split(/[=,]/).includes(direct), direct);
  const docker = JSON.parse(given.homeFiles['.docker/config.json']!);
  assert.deepEqual(docker.proxies.default.httpsProxy, 'http://198.18.0.1:3128');
  const spec = egressSpec(config, ['pkgs.example.org']);
  assert.equal(spec.user, 'nobody');
  assert.ok(spec.args.includes('--listen=198.18.0.1:3128') && spec.args.includes('--allow=pkgs.example.org') && spec.args.includes(`--rate=${2 ** 20}`));
  const opened = (c: typeof config) => firewallRules(firewallOptions(c)).map((r) => r.rule.join(' ')).filter((r) => r.includes('--dport')).map((r) => /--dport (\d+)/.exec(r)![1]);
  assert.deepEqual(opened(config), ['5000', '3142', '3128']);
  assert.deepEqual(opened(loadConfig(base)), ['5000', '3142'], 'off: the proxy\'s port stays closed to sessions');
});
