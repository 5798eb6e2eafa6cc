// The engine view in Chromium (issue 14): a container appears linked to its image with its port within a
// second of the command, a build on debian hangs below debian's layer (drawn once), a removal takes it away.
import { expect, test } from '@playwright/test';
import { endSession, rows } from '../session-page.js';

test('docker run, build and rm are drawn beside the terminal: the container under nginx with its port, demo on debian\'s one layer', async ({ page }) => {
  await page.setViewportSize({ width: 1536, height: 864 });
  await page.goto('/');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  const view = page.getByTestId('engine-view');
  await expect(view).toBeVisible(); // on by default on a wide screen
  await expect(page.getByTestId('engine-view-toggle')).toHaveAttribute('aria-pressed', 'true');

  await page.getByTestId('terminal').click();
  await page.keyboard.type('docker run -d --name web -p 8080:80 nginx >/dev/null; echo ran-$((1+1))\n');
  await expect(rows(page)).toContainText('ran-2', { timeout: 30_000 });
  const web = view.locator('[data-testid="container"][data-name="web"]');
  await expect(web).toBeVisible({ timeout: 1000 });
  await expect(web).toContainText('8080→80/tcp');
  await expect(view.locator('[data-testid="image"][data-name="nginx:latest"]').locator('[data-testid="container"][data-name="web"]')).toHaveCount(1);
  await expect(page.getByTestId('engine-changes')).toContainText('container web created from nginx');
  // A click shows what `docker inspect` would, readably.
  await web.getByRole('button', { name: 'Details of web' }).click();
  const details = page.getByTestId('engine-item');
  await expect(details).toContainText('Container web');
  await expect(details).toContainText('8080 → 80/tcp');
  await expect(details).toContainText('nginx -g daemon off;');
  await page.getByTestId('engine-item-close').click();
  await expect(details).toHaveCount(0);
  await page.getByTestId('terminal').click();

  await page.keyboard.type(`mkdir -p ~/demo && printf 'FROM debian:bookworm\\nRUN echo hi > /hi\\n' > ~/demo/Dockerfile && docker pull -q debian:bookworm >/dev/null && docker build -q -t demo ~/demo >/dev/null; echo built-$((1+1))\n`);
  await expect(rows(page)).toContainText('built-2', { timeout: 120_000 });
  const demo = view.locator('[data-testid="image"][data-name="demo:latest"]');
  await expect(demo).toBeVisible({ timeout: 2000 });
  // debian's one layer is drawn once, marked as shared (nginx is built on it too), demo's own layer below it.
  await expect(view.locator('[data-testid="layer"]:not([data-shared="1"])')).toHaveCount(1);
  await expect(view.locator('[data-testid="layer"]', { hasText: 'RUN echo hi > /hi' })).toHaveCount(1);

  await page.keyboard.type('docker rm -f web >/dev/null; echo removed-$((1+1))\n');
  await expect(rows(page)).toContainText('removed-2');
  await expect(web).toHaveCount(0, { timeout: 1000 });

  // Off, it stays off after a reload.
  await page.getByTestId('engine-view-toggle').click();
  await expect(view).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect(page.getByTestId('engine-view-toggle')).toHaveAttribute('aria-pressed', 'false');
  await endSession(page);
});

test('30 images and 50 containers stay readable: each drawn once, none spills sideways, the last reached by Tab', async ({ page }) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  const view = page.getByTestId('engine-view');
  await expect(view).toBeVisible();
  await page.getByTestId('terminal').click();
  // 30 images, each its own layer on busybox's (COPY: no container runs to build it); 50 containers spread
  // over them (created, not started: cheap);
  // a tag and a container name far wider than the panel.
  await page.keyboard.type(
    `docker pull -q busybox >/dev/null; mkdir -p ~/many && printf 'FROM busybox\\nCOPY n /n\\n' > ~/many/Dockerfile && ` +
      `for i in $(seq 30); do echo $i > ~/many/n && docker build -q -t app$i ~/many >/dev/null || break; done; ` +
      `for i in $(seq 50); do docker create --name box$i app$(( (i - 1) % 30 + 1 )) sleep 1d >/dev/null || break; done; docker tag app1 registry.example.org/a-team/an-image-whose-name-goes-on-and-on-without-a-single-space-0123456789:a-long-tag-too; ` +
      `docker create --name a-container-whose-name-goes-on-and-on-without-a-single-space-0123456789abcdef app2 >/dev/null; echo made-$((25*2))\n`,
  );
  await expect(rows(page)).toContainText('made-50', { timeout: 200_000 });
  const images = view.locator('[data-testid="image"]');
  const containers = view.locator('[data-testid="container"]');
  await expect(containers).toHaveCount(51, { timeout: 5000 }); // and one with a very long name
  await expect(images).toHaveCount(31); // busybox and app1..app30
  await expect(view.locator('[data-testid="image"][data-name="app30:latest"]')).toHaveCount(1);
  await expect(view.locator('[data-testid="layer"]:not([data-shared="1"])')).toHaveCount(1); // busybox's, once
  // Nothing wider than the panel: names and ports wrap or are cut inside it, there is no sideways scroll.
  const spill = await view.evaluate((el) => el.scrollWidth - el.clientWidth);
  expect(spill).toBeLessThanOrEqual(0);
  // The keyboard reaches the fiftieth container, and the view scrolls it into sight.
  const last = view.locator('[data-testid="container"][data-name="box50"]').getByRole('button', { name: 'Details of box50' });
  await view.getByRole('button').first().focus();
  for (let i = 0; i < 200 && !(await last.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(last).toBeFocused();
  await expect(last).toBeInViewport();
  await endSession(page);
});
