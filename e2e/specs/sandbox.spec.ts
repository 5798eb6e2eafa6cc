import { expect, test } from '@playwright/test';
import { endSession } from '../session-page.js';

test('Start gives a terminal where docker run hello-world greets the visitor', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('start').click();
  const status = page.getByTestId('status');
  await expect(status).toContainText('ready', { timeout: 30_000 });
  const terminal = page.getByTestId('terminal');
  await expect(terminal.locator('.xterm-rows')).toContainText('$', { timeout: 15_000 });
  await terminal.click();
  await page.keyboard.type('docker run --rm hello-world\n');
  await expect(terminal.locator('.xterm-rows')).toContainText('Hello from Docker!', { timeout: 30_000 });
});

test('ending the session says why and offers a new one', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('start').click();
  const status = page.getByTestId('status');
  await expect(status).toContainText('ready', { timeout: 30_000 });
  await page.getByTestId('end').click();
  await page.getByTestId('end-confirm').click(); // End asks first
  await expect(status).toContainText('ended');
  await expect(status).toContainText('you ended the session');
  await expect(page.getByTestId('ended').getByTestId('start-again')).toBeVisible();
});

test('copy and paste work with the keyboard', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toContainText('ready', { timeout: 30_000 });
  const rows = page.getByTestId('terminal').locator('.xterm-rows');
  await page.getByTestId('terminal').click();
  await page.evaluate(() => navigator.clipboard.writeText('echo pasted-$((6*7))'));
  await page.keyboard.press('Control+Shift+V');
  await expect(rows).toContainText('echo pasted-$((6*7))');
  await page.keyboard.press('Enter');
  await expect(rows).toContainText('pasted-42');

  // Select a word of output with a double click, copy it with Ctrl+Shift+C.
  await page.keyboard.type('echo copy-me-$((40+2))\n');
  const word = rows.getByText('copy-me-42', { exact: false }).last();
  await expect(word).toBeVisible();
  // xterm's screen layer takes the mouse events; the output line starts at column 0. xterm redraws its
  // rows (the prompt that follows), so the element found may be gone a moment later: measure until one is there.
  let box: { x: number; y: number; width: number; height: number } | null = null;
  await expect(async () => {
    box = await word.boundingBox();
    expect(box).not.toBeNull();
  }).toPass({ timeout: 5000 });
  box = box!;
  await page.mouse.dblclick(box.x + 12, box.y + box.height / 2);
  await page.keyboard.press('Control+Shift+C');
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('copy-me-42');
});

test('a reload brings back the same session and shell, with the screen as it was', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  const rows = page.getByTestId('terminal').locator('.xterm-rows');
  await page.getByTestId('terminal').click();
  await page.keyboard.type('export MARK=kept-$((20+3)); echo before-reload\n');
  await expect(rows).toContainText('before-reload');
  await page.reload();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 15_000 });
  await expect(rows).toContainText('before-reload');
  await page.getByTestId('terminal').click();
  await page.keyboard.type('echo "$MARK"\n');
  await expect(rows).toContainText('kept-23');
});

test('publishing a port shows a link that opens nginx through Berth', async ({ page, context }) => {
  await page.goto('/');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await page.getByTestId('terminal').click();
  await page.keyboard.type('docker run -d -p 8080:80 nginx\n');
  const link = page.getByTestId('port-8080');
  await expect(link).toBeVisible({ timeout: 30_000 });
  const [tab] = await Promise.all([context.waitForEvent('page'), link.click()]);
  // The tab opens blank and is sent to the link once the page has its ticket: a reload before then would
  // cancel that and leave it blank. The link is on the ports listener (the config's port + 100), not Berth's.
  const berth = new URL(page.url());
  await tab.waitForURL(new RegExp(`^http://${berth.hostname}:${Number(berth.port) + 100}/s/[a-z0-9]{9}/ports/8080/$`));
  await expect(async () => {
    await tab.reload();
    await expect(tab).toHaveTitle('Welcome to nginx!', { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
});

test('Restart shell ends a runaway loop and gives a new prompt; the session goes on', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  const rows = page.getByTestId('terminal').locator('.xterm-rows');
  await page.getByTestId('terminal').click();
  // A loop Ctrl-C does not reach: it runs in the background and prints forever.
  await page.keyboard.type('(while :; do echo runaway-$((1+1)); sleep 0.2; done) &\n');
  await expect(rows).toContainText('runaway-2');
  await page.getByTestId('restart-shell').click();
  // Typed once the new shell shows its prompt (what a learner waits for; keys before it have no shell to go to).
  await expect(rows).toContainText(/here is a new one\]\s*user@berth:~\$/, { timeout: 15_000 });
  await page.getByTestId('terminal').click();
  await page.keyboard.type('clear; echo calm-$((2+3))\n');
  await expect(rows).toContainText('calm-5');
  // The loop died with its shell: nothing prints it any more.
  await page.keyboard.type('clear\n');
  await page.waitForTimeout(1000);
  await expect(rows).not.toContainText('runaway-2');
});

test('moving the pointer over the page tells the server the visitor is back (a napping sandbox thaws before the first key), at most once every 10 s', async ({ page }) => {
  const present: number[] = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => typeof f.payload === 'string' && f.payload === '{"type":"present"}' && present.push(Date.now())));
  await page.goto('/');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toContainText('ready', { timeout: 30_000 });
  await expect(page.getByTestId('terminal').locator('.xterm-rows')).toContainText('$', { timeout: 15_000 });
  const sentAfterStart = present.length;
  for (let i = 0; i < 20; i++) await page.mouse.move(100 + i * 10, 200 + i * 5);
  await expect.poll(() => present.length, { message: 'the pointer moving over the page is reported' }).toBe(sentAfterStart + 1);
  for (let i = 0; i < 20; i++) await page.mouse.move(300 - i * 10, 200);
  await page.waitForTimeout(500);
  expect(present.length, 'not again within 10 s').toBe(sentAfterStart + 1);
  await endSession(page);
});
