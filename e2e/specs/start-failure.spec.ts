import { expect, test } from '@playwright/test';
import { brokenPort } from '../playwright.config.js';

const broken = `http://127.0.0.1:${brokenPort}`;

test('a sandbox that cannot start: the visitor reads a sentence and a reference, then the page says starts are failing', async ({ page }) => {
  await page.goto(broken);
  await page.getByTestId('start').click();
  const ended = page.getByTestId('ended');
  await expect(ended).toContainText('Your sandbox could not start because of a problem on the server', { timeout: 30_000 });
  await expect(ended).toContainText(/the reference [A-HJ-NP-Z2-9]{6}\b/);
  await expect(ended).not.toContainText(/image|berth\/not-built|HTTP code/);

  // Berth's probe sandbox fails too: the host now knows its starts fail (two in a row), and the next
  // visitor is told before pressing Start, and Start says so too.
  await expect.poll(async () => (await page.request.get(`${broken}/api/health`)).status(), { timeout: 30_000 }).toBe(503);
  await page.reload();
  await expect(page.getByTestId('starts-failing')).toContainText('Sandboxes cannot start right now');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('ended')).toContainText('Sandboxes cannot start right now');
});
