// The egress proxy as a process of its own, started and supervised by Berth like the mirror and the
// package cache (egress-daemon.ts): it gets an event loop of its own, so downloads never slow the server's
// terminals; it runs as an unprivileged user that can read nothing of Berth's; it survives a restart of the
// server. Configured entirely by its arguments (a change restarts it):
//   egress-main.ts --listen 198.18.0.1:3128 --allow host,*.host --refuse 198.18.0.1
//                  --connections 16 --rate <bytes/s> --hour <bytes/h>
// Logs one JSON line per request on stdout.
import { parseArgs } from 'node:util';
import { HostAllowList } from './allow-list.js';
import { createEgressProxy } from './egress-proxy.js';
import { SessionLimits } from './session-limits.js';

const { values } = parseArgs({
  options: {
    listen: { type: 'string' },
    allow: { type: 'string', default: '' },
    refuse: { type: 'string', default: '' },
    connections: { type: 'string', default: '16' },
    rate: { type: 'string', default: String(4 * 2 ** 20) },
    hour: { type: 'string', default: String(2 * 2 ** 30) },
  },
});
const [host, portText] = (values.listen ?? '').split(/:(?=\d+$)/);
if (!host || !portText) {
  console.error('egress proxy: --listen address:port is required');
  process.exit(2);
}
const list = (text: string) => text.split(',').filter(Boolean);
const allow = new HostAllowList(list(values.allow));
const limits = new SessionLimits({ connections: Number(values.connections), bytesPerSecond: Number(values.rate), bytesPerHour: Number(values.hour) });
const server = createEgressProxy({
  allow,
  limits,
  refuse: list(values.refuse),
  log: (entry) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`),
});
server.listen(Number(portText), host, () => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg: `egress proxy listening on ${host}:${portText}`, allow: allow.entries })}\n`);
});
server.on('error', (err) => {
  console.error(`egress proxy: ${err.message}`);
  process.exit(1);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 1000).unref());
