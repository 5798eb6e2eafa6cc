import { defineConfig } from '@playwright/test';

export const port = Number(process.env.BERTH_E2E_PORT ?? 8181);
export const smallPort = port + 1;
export const brokenPort = port + 2;
/** The servers' instance names start with this: two checkouts can run their e2e at once with other ports and names. */
const instance = process.env.BERTH_E2E_INSTANCE ?? 'e2e';
export const idlePort = port + 3;
/** The last of the config's servers: server-restart.spec runs its own on the port after it. */
export const recordPort = port + 4;
/** Where the recording host keeps its recordings: the spec that uses it removes what it made. */
export const recordingsDir = '/var/lib/berth/e2e-recordings';

function server(p: number, env: Record<string, string>) {
  return {
    // Started without the npx wrapper chain, so SIGTERM reaches the server; Playwright can only signal it,
    // so BERTH_ON_STOP makes that signal end the sessions (a plain SIGTERM keeps them for a restart).
    command: 'node --import tsx server/src/server.ts',
    cwd: '..',
    url: `http://127.0.0.1:${p}/api/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 30_000 },
    stdout: 'pipe' as const,
    stderr: 'pipe' as const,
    env: { BERTH_PORT: String(p), BERTH_PORTS_PORT: String(p + 100), BERTH_HOST: '127.0.0.1', BERTH_LOG_LEVEL: 'warn', BERTH_ON_STOP: 'end-sessions', ...env },
  };
}

export default defineConfig({
  testDir: './specs',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: {
      executablePath: process.env.BERTH_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
    trace: 'retain-on-failure',
  },
  webServer: [
    // Every browser here is the same visitor address: allow it many sessions.
    server(port, { BERTH_INSTANCE: instance, BERTH_MAX_SESSIONS_PER_CLIENT: '50' }),
    // A host that holds one session, each 8 minutes long: the queue and the extension are reachable at once.
    server(smallPort, {
      BERTH_INSTANCE: `${instance}-small`,
      BERTH_MAX_SESSIONS: '1',
      BERTH_POOL_SIZE: '0',
      BERTH_MAX_SESSIONS_PER_CLIENT: '5',
      BERTH_SESSION_TTL_MIN: '8',
    }),
    // A host whose sandboxes cannot start (its session image does not exist): what a visitor sees then.
    server(brokenPort, { BERTH_INSTANCE: `${instance}-broken`, BERTH_POOL_SIZE: '0', BERTH_SESSION_IMAGE: 'berth/not-built' }),
    // A host that warns of an idle end after one quiet minute (6 min idle, warned 5 min before).
    server(idlePort, {
      BERTH_INSTANCE: `${instance}-idle`,
      BERTH_POOL_SIZE: '0',
      BERTH_IDLE_TIMEOUT_MIN: '6',
      BERTH_IDLE_VISIBLE_TIMEOUT_MIN: '6',
      BERTH_WARN_BEFORE_MIN: '5',
    }),
    // A host that records every session's first terminal.
    server(recordPort, { BERTH_INSTANCE: `${instance}-rec`, BERTH_POOL_SIZE: '0', BERTH_RECORD: 'terminals', BERTH_RECORDINGS_DIR: recordingsDir }),
  ],
});
