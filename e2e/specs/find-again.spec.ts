// A sandbox the visitor can find again (issue 13, items 3 and 5): a reopened tab continues the session, its
// address opens it in a second tab read-only with a way to take it over, another browser with the address
// gets nothing, terminal tabs, the command history download, and a lost connection said plainly.
import fs from 'node:fs';
import { expect, test, type Page, type WebSocketRoute } from '@playwright/test';
import { endSession, rows } from '../session-page.js';

async function startSession(page: Page): Promise<void> {
  await page.goto('/');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect(page.getByTestId('terminal').locator('.xterm-rows')).toContainText('$', { timeout: 15_000 });
}

async function typeIn(page: Page, testId: string, text: string): Promise<void> {
  await page.getByTestId(testId).click();
  await page.keyboard.type(text);
}

const sessionId = (page: Page) => page.evaluate(() => (JSON.parse(localStorage.getItem('berth.session') ?? '{}') as { id: string }).id);

test('a closed tab is found again: the home page offers to continue, and the same shell comes back', async ({ context }) => {
  const first = await context.newPage();
  await startSession(first);
  await typeIn(first, 'terminal', 'echo before-the-tab-closed-$((6*7))\n');
  await expect(rows(first)).toContainText('before-the-tab-closed-42');
  await first.close();

  const reopened = await context.newPage();
  await reopened.goto('/');
  await expect(reopened.getByTestId('continue-session')).toBeVisible();
  await reopened.getByTestId('continue-session').click();
  await expect(reopened.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect(rows(reopened)).toContainText('before-the-tab-closed-42');
  await expect(reopened.getByTestId('watching')).toHaveCount(0);
  await typeIn(reopened, 'terminal', 'echo typed-in-the-$((1+1))nd-tab\n');
  await expect(rows(reopened)).toContainText('typed-in-the-2nd-tab');

  // The end screen offers the session's commands as a text file, in order.
  await endSession(reopened);
  const link = reopened.getByTestId('download-history');
  await expect(link).toBeVisible();
  const [download] = await Promise.all([reopened.waitForEvent('download'), link.click()]);
  const text = fs.readFileSync(await download.path(), 'utf8');
  expect(text).toMatch(/^echo before-the-tab-closed-\$\(\(6\*7\)\)\necho typed-in-the-\$\(\(1\+1\)\)nd-tab\n$/);
});

test('the session address opens it in a second tab read-only; the second takes it over, the first takes it back', async ({ context, browser }) => {
  const first = await context.newPage();
  await startSession(first);
  const id = await sessionId(first);
  await typeIn(first, 'terminal', 'echo from-the-first-tab\n');

  const second = await context.newPage();
  await second.goto(`/s/${id}`);
  await expect(second.getByTestId('watching')).toBeVisible({ timeout: 30_000 });
  await expect(rows(second)).toContainText('from-the-first-tab');
  expect(new URL(second.url()).pathname).toBe('/'); // the address is not kept in the bar
  // Read-only: what the watcher types goes nowhere.
  await typeIn(second, 'terminal', 'echo typed-by-the-watcher\n');
  await typeIn(first, 'terminal', 'echo output-for-$((1+1))\n');
  await expect(rows(second)).toContainText('output-for-2');
  await expect(rows(first)).not.toContainText('typed-by-the-watcher');

  await second.getByTestId('take-over').click();
  await expect(first.getByTestId('taken-over')).toBeVisible();
  await expect(second.getByTestId('watching')).toHaveCount(0);
  await typeIn(second, 'terminal', 'echo typed-after-take-over-$((1+1))\n');
  await expect(rows(second)).toContainText('typed-after-take-over-2');

  await first.getByTestId('take-back').click();
  await expect(second.getByTestId('taken-over')).toBeVisible();
  await expect(first.getByTestId('taken-over')).toHaveCount(0);
  await typeIn(first, 'terminal', 'echo mine-again-$((1+1))\n');
  await expect(rows(first)).toContainText('mine-again-2');

  // Another browser with the address gets no sandbox: a sentence and its own Start.
  const stranger = await (await browser.newContext()).newPage();
  await stranger.goto(`/s/${id}`);
  await expect(stranger.getByTestId('unknown-session-address')).toBeVisible();
  await expect(stranger.getByTestId('continue-session')).toHaveCount(0);
  await expect(stranger.getByTestId('start')).toBeVisible();
  await stranger.context().close();

  await endSession(first);
  await expect(second.getByTestId('ended')).toBeVisible({ timeout: 15_000 });
});

test('two terminals in one session: each its own shell in the same sandbox, closed with its tab, four at most', async ({ page }) => {
  await startSession(page);
  await page.getByTestId('new-terminal').click();
  await expect(page.getByTestId('terminal-2')).toBeVisible();
  await expect(rows(page, 'terminal-2')).toContainText('$', { timeout: 15_000 });
  await typeIn(page, 'terminal-2', 'echo $$ > ~/second-shell && echo written-in-$((1+1))\n');
  await expect(rows(page, 'terminal-2')).toContainText('written-in-2');

  await page.getByTestId('terminal-tab-1').click();
  await expect(page.getByTestId('terminal')).toBeVisible();
  await expect(page.getByTestId('terminal-2')).toBeHidden();
  await typeIn(page, 'terminal', 'echo "other shell $(cat ~/second-shell), this one $$"\n');
  await expect(rows(page)).toContainText(/other shell \d+, this one \d+/);
  const [, other, self] = /other shell (\d+), this one (\d+)/.exec(await rows(page).innerText())!;
  expect(other).not.toBe(self);

  await page.getByTestId('terminal-tab-2').click();
  await expect(rows(page, 'terminal-2')).toContainText('written-in-2');

  await page.getByTestId('new-terminal').click();
  await page.getByTestId('new-terminal').click();
  await expect(page.getByTestId('terminal-4')).toBeVisible();
  await expect(page.getByTestId('new-terminal')).toBeDisabled();
  await expect(page.getByTestId('terminal-limit')).toContainText('at most 4 terminals');

  await page.getByTestId('close-terminal-2').click();
  await expect(page.getByTestId('terminal-tab-2')).toHaveCount(0);
  await expect(page.getByTestId('terminal-limit')).toHaveCount(0);
  await expect(page.getByTestId('new-terminal')).toBeEnabled();
  await page.getByTestId('terminal-tab-1').click();
  await typeIn(page, 'terminal', `kill -0 $(cat ~/second-shell) 2>/dev/null && echo still-$((1+1)) || echo ended-$((1+1))\n`);
  await expect(rows(page)).toContainText('ended-2', { timeout: 15_000 });
  await endSession(page);
});

test('when the server cannot be reached the page says the connection is lost, and says when it is back', async ({ page }) => {
  let down = false;
  const open: WebSocketRoute[] = [];
  await page.routeWebSocket(/\/api\/sessions\/[a-z0-9]+\/terminal/, (ws) => {
    if (down) return void ws.close({ code: 1011, reason: 'unreachable' });
    ws.connectToServer();
    open.push(ws);
  });
  await startSession(page);
  await expect(page.getByTestId('connection-lost')).toHaveCount(0);

  down = true;
  for (const ws of open.splice(0)) await ws.close({ code: 1011, reason: 'network down' });
  await expect(page.getByTestId('connection-lost')).toContainText('Connection lost', { timeout: 15_000 });
  await expect(page.getByTestId('connection-lost')).toBeVisible();

  down = false;
  await expect(page.getByTestId('reconnected')).toContainText('Connected again', { timeout: 20_000 });
  await expect(page.getByTestId('connection-lost')).toHaveCount(0);
  await typeIn(page, 'terminal', 'echo back-$((20+1))\n');
  await expect(rows(page)).toContainText('back-21');
  await endSession(page);
});
