// A Berth for the benchmark: in this process, on a free port, without a pool or any visitor limit.
import { buildApp, type Berth } from '../app.js';
import type { Config } from '../config.js';
import { createSession, TerminalClient } from '../tools/terminal-client.js';

export async function startBenchApp(config: Config, instance: string, overrides: Partial<Config> = {}): Promise<{ berth: Berth; url: string }> {
  const berth = await buildApp({ ...config, instance, port: 0, host: '127.0.0.1', logLevel: 'warn', poolSize: 0, maxPerClient: 100_000, maxPerAddress: 100_000, startsPerAddressPerMin: 100_000, maxSessions: 100_000, ...overrides });
  await berth.app.listen({ port: 0, host: '127.0.0.1' });
  const address = berth.app.server.address();
  return { berth, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

/** A session as a visitor starts one: created, its terminal connected, until the shell's prompt. */
export async function startSession(url: string) {
  const t0 = performance.now();
  const s = await createSession({ url });
  const created = performance.now() - t0;
  const term = await TerminalClient.connect({ url }, s);
  await term.waitForEvent((e) => e.type === 'status' && e.state === 'ready', 60_000, 'ready');
  const ready = performance.now() - t0;
  await term.waitForText(/\$ $/m, 30_000);
  return { s, term, created, ready, prompt: performance.now() - t0 };
}
