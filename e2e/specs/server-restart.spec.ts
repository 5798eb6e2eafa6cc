// A restart of the Berth server (SIGTERM, as systemctl restart sends) keeps the visitor: the page says the
// server is restarting, reconnects by itself once it is back, and the same sandbox answers.
// The spec runs a server of its own (a child process it can stop and start), not the config's webServer.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startOwnServer, stopOwnServer } from '../own-server.js';
import { recordPort } from '../playwright.config.js';

// The config's servers take port .. recordPort; this spec's own server (one it restarts) the next one.
const port = recordPort + 1;
const url = `http://127.0.0.1:${port}`;
const repo = path.resolve(import.meta.dirname, '..', '..');
const env = { BERTH_PORT: String(port), BERTH_HOST: '127.0.0.1', BERTH_LOG_LEVEL: 'warn', BERTH_INSTANCE: 'e2e-restart', BERTH_POOL_SIZE: '0' };

const startServer = () => startOwnServer(url, env);
const stopServer = stopOwnServer;

function berth(args: string[]): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/cli.ts', ...args], { cwd: repo, env: { ...process.env, ...env }, stdio: 'inherit' });
  return new Promise((resolve) => child.on('close', resolve));
}

test('after the server is restarted with SIGTERM the page reconnects by itself to the same sandbox', async ({ page }) => {
  test.setTimeout(240_000);
  let server = await startServer();
  try {
    await page.goto(url);
    await page.getByTestId('start').click();
    const status = page.getByTestId('status');
    await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    const terminal = page.getByTestId('terminal');
    const rows = terminal.locator('.xterm-rows');
    await terminal.click();
    // The shell has written it (its answer is on screen) before the server stops.
    await page.keyboard.type('echo made-before > ~/note && echo written-$((6*7))\n');
    await expect(rows).toContainText('written-42');

    expect(await stopServer(server, 'SIGTERM')).toBe(0);
    await expect(status).toHaveAttribute('data-state', 'starting');
    await expect(status).toContainText('the Berth server is restarting: reconnecting by itself');

    server = await startServer();
    await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await expect(rows).toContainText('the Berth server restarted: here is a new shell');
    await terminal.click();
    await page.keyboard.type('cat ~/note | tr a-z A-Z\n');
    await expect(rows).toContainText('MADE-BEFORE');
  } finally {
    expect(await berth(['stop', '--end-sessions'])).toBe(0);
    await stopServer(server, 'SIGKILL');
  }
});

test('after a restart the lesson step on screen is coached again as it was: its command ticks it, nothing is redone', async ({ page }) => {
  test.setTimeout(240_000);
  let server = await startServer();
  try {
    // Opened mid-lesson: the earlier steps are redone once, in this fresh sandbox (a container "hello" among them).
    await page.goto(`${url}/lessons/first-container/remove-container`);
    await page.getByTestId('start').click();
    const status = page.getByTestId('status');
    await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await expect(page.getByTestId('check-my-work')).toBeEnabled({ timeout: 60_000 });
    const rows = page.getByTestId('terminal').locator('.xterm-rows');
    await page.getByTestId('terminal').click();
    await page.keyboard.type('echo before=$(docker ps -aq | wc -l)\n');
    await expect(rows).toContainText('before=2');

    expect(await stopServer(server, 'SIGTERM')).toBe(0);
    await expect(status).toHaveAttribute('data-state', 'starting');
    server = await startServer();
    await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await expect(rows).toContainText('the Berth server restarted: here is a new shell');

    // The server that answers now learnt the step from the page, as it was: the earlier steps were not redone
    // (that would have made another hello-world container, and failed on the name hello, which is taken).
    await page.getByTestId('terminal').click();
    await page.keyboard.type('docker rm hello\n');
    await expect(page.getByTestId('step-remove-container')).toHaveAttribute('data-done', 'true', { timeout: 30_000 });
    await page.keyboard.type('echo after=$(docker ps -aq | wc -l)\n');
    await expect(rows).toContainText('after=1');
    await expect(page.getByTestId('feedback')).not.toContainText('could not redo the earlier steps');
  } finally {
    expect(await berth(['stop', '--end-sessions'])).toBe(0);
    await stopServer(server, 'SIGKILL');
  }
});
