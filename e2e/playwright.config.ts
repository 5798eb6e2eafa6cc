import { defineConfig } from '@playwright/test';

const port = Number(process.env.BERTH_E2E_PORT ?? 8181);

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
  webServer: {
    // Compiled-free start without the npx wrapper chain, so SIGTERM reaches the server and it ends its sessions.
    command: 'node --import tsx server/src/server.ts',
    cwd: '..',
    url: `http://127.0.0.1:${port}/api/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    gracefulShutdown: { signal: 'SIGTERM', timeout: 30_000 },
    stdout: 'pipe',
    stderr: 'pipe',
    env: { BERTH_PORT: String(port), BERTH_HOST: '127.0.0.1', BERTH_INSTANCE: 'e2e', BERTH_LOG_LEVEL: 'warn' },
  },
});
