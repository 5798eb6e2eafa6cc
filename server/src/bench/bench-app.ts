// A Berth for the benchmark: in this process, on a free port, without a pool or any visitor limit.
import { buildApp, type Berth } from '../app.js';
import type { Config } from '../config.js';

export async function startBenchApp(config: Config, instance: string, overrides: Partial<Config> = {}): Promise<{ berth: Berth; url: string }> {
  const berth = await buildApp({ ...config, instance, port: 0, host: '127.0.0.1', logLevel: 'warn', poolSize: 0, maxPerClient: 100_000, maxPerAddress: 100_000, startsPerAddressPerMin: 100_000, maxSessions: 100_000, ...overrides });
  await berth.app.listen({ port: 0, host: '127.0.0.1' });
  const address = berth.app.server.address();
  return { berth, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}
