// A Berth for the benchmark: in this process, on a free port, without a pool or any visitor limit.
import { buildApp, type Berth } from '../app.js';
import type { Config } from '../config.js';
import { createSession, fetchMetrics, TerminalClient, TOOLS_METRICS_TOKEN } from '../tools/terminal-client.js';

export async function startBenchApp(config: Config, instance: string, overrides: Partial<Config> = {}): Promise<{ berth: Berth; url: string }> {
  const berth = await buildApp({ ...config, instance, port: 0, host: '127.0.0.1', logLevel: 'warn', poolSize: 0, maxPerClient: 100_000, maxPerAddress: 100_000, startsPerAddressPerMin: 100_000, maxSessions: 100_000, metricsToken: TOOLS_METRICS_TOKEN, ...overrides });
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

/** Time sandbox starts have spent in each phase so far, in ms, and how many starts (GET /metrics). */
export async function startPhases(url: string): Promise<{ count: number; ms: Record<string, number> }> {
  const text = await fetchMetrics(url);
  const ms: Record<string, number> = {};
  for (const m of text.matchAll(/^berth_sandbox_start_phase_seconds_total\{phase="(\w+)"\} ([\d.]+)$/gm)) ms[m[1]!] = Number(m[2]) * 1000;
  return { count: Number(/^berth_sandbox_start_phases_total (\d+)$/m.exec(text)?.[1] ?? 0), ms };
}
