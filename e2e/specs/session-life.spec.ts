import { expect, test } from '@playwright/test';
import { idlePort, smallPort } from '../playwright.config.js';

const small = `http://127.0.0.1:${smallPort}`;

test('on a full host the next visitor sees their place in line and gets in when a slot frees', async ({ browser }) => {
  const first = await (await browser.newContext()).newPage();
  await first.goto(small);
  await first.getByTestId('start').click();
  await expect(first.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });

  const second = await (await browser.newContext()).newPage();
  await second.goto(small);
  await second.getByTestId('start').click();
  await expect(second.getByTestId('status')).toHaveAttribute('data-state', 'queued');
  await expect(second.getByTestId('queue')).toContainText('number 1 in line');

  await first.getByTestId('end').click();
  await first.getByTestId('end-confirm').click(); // End asks first

  await expect(second.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await second.getByTestId('terminal').click();
  await second.keyboard.type('echo in-after-waiting\n');
  await expect(second.getByTestId('terminal').locator('.xterm-rows')).toContainText('in-after-waiting');
  await second.getByTestId('end').click();
  await second.getByTestId('end-confirm').click(); // End asks first
  await expect(second.getByTestId('ended')).toHaveAttribute('data-reason', 'ended-by-user');
});

test('near its end a session offers an extension that buys more time', async ({ page }) => {
  await page.goto(small);
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  const timeLeft = page.getByTestId('time-left');
  await expect(timeLeft).toContainText(/\b[78] min/);
  await page.getByTestId('extend').click();
  await expect(page.getByTestId('extended')).toContainText(/Extended/);
  await expect(timeLeft).toContainText(/\b3[78] min/);
  await page.getByTestId('end').click();
  await page.getByTestId('end-confirm').click(); // End asks first
});

test('the end screen says why the session ended and offers a new one', async ({ page }) => {
  await page.goto(small);
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await page.getByTestId('end').click();
  await page.getByTestId('end-confirm').click(); // End asks first
  const ended = page.getByTestId('ended');
  await expect(ended).toHaveAttribute('data-reason', 'ended-by-user');
  await expect(ended).toContainText('You ended the session.');
  await ended.getByTestId('start-again').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await page.getByTestId('end').click();
  await page.getByTestId('end-confirm').click(); // End asks first
});

test('during the idle warning the header and the banner count down the same time', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto(`http://127.0.0.1:${idlePort}`);
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  const warning = page.getByTestId('warning');
  await expect(warning).toHaveAttribute('data-kind', 'idle', { timeout: 100_000 });
  const timeLeft = page.getByTestId('time-left');
  await expect(timeLeft).toHaveAttribute('data-end', 'idle');
  // Both read one clock: the same "N min SS s" (retried only across a second's boundary between the two reads).
  const shown = async (text: Promise<string>) => /\d+ min \d\d s|\d+ s/.exec(await text)?.[0] ?? 'none';
  await expect(async () => {
    const [banner, header] = await Promise.all([shown(warning.innerText()), shown(timeLeft.innerText())]);
    expect(header).toBe(banner);
    expect(banner).toMatch(/^[45] min/);
  }).toPass({ timeout: 5_000 });
  await page.getByTestId('end').click();
});
