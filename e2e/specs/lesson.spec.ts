import { expect, test } from '@playwright/test';

test('a lesson step ticks itself off, mistakes are explained, progress survives a reload, zh works', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('lesson-first-container').click();
  await expect(page).toHaveURL(/\/lessons\/first-container\/run-hello$/);
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });

  const rows = page.getByTestId('terminal').locator('.xterm-rows');
  await page.getByTestId('step-text').getByTestId('run').first().click();
  await expect(rows).toContainText('Hello from Docker!', { timeout: 15_000 });
  await expect(page.getByTestId('step-run-hello')).toHaveAttribute('data-done', 'true', { timeout: 15_000 });

  // The step's text goes on after its command (it explains the output): the page stays, and says so by
  // the terminal. Running the next step's command moves on; a known mistake there gets its message.
  await expect(page.getByTestId('feedback')).toContainText('Step done.');
  await expect(page).toHaveURL(/\/lessons\/first-container\/run-hello$/);
  await page.getByTestId('terminal').click();
  await page.keyboard.type('docker ps\n');
  await expect(page).toHaveURL(/\/lessons\/first-container\/list-containers$/);
  await expect(page.getByTestId('step-message')).toContainText('Without -a');
  await expect(page.getByTestId('feedback')).toContainText('Without -a');

  await page.reload();
  await expect(page.getByTestId('step-run-hello')).toHaveAttribute('data-done', 'true');
  await expect(page.getByTestId('step-list-containers')).toHaveAttribute('data-done', 'false');
  await expect(page.getByTestId('progress')).toHaveAttribute('aria-valuenow', '1');

  await page.getByTestId('lang').selectOption('zh');
  await expect(page.getByTestId('lesson')).toContainText('你的第一个容器');
  await expect(page.getByTestId('step-text')).toContainText('容器');
  await expect(page.locator('html')).toHaveAttribute('lang', /^zh/);
});

test('the catalog lists every lesson with its level and minutes', async ({ page }) => {
  await page.goto('/');
  const catalog = page.getByTestId('catalog');
  for (const id of ['first-container', 'ports', 'dockerfile']) await expect(catalog.getByTestId(`lesson-${id}`)).toBeVisible();
  await expect(catalog).toContainText('10 min');
});

test('on a narrow screen the key bar sends Ctrl-C to the shell', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect(page.getByTestId('keybar')).toBeVisible();
  await page.getByTestId('terminal').click();
  await page.keyboard.type('sleep 300');
  await page.keyboard.press('Enter');
  await page.getByTestId('key-ctrl-c').click();
  await page.getByTestId('terminal').click();
  await page.keyboard.type('echo after-$((1+1))\n');
  await expect(page.getByTestId('terminal').locator('.xterm-rows')).toContainText('after-2');
});
