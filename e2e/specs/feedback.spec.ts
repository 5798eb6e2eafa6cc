// Issue 13, items 2 and 4: feedback where the learner looks, Check my work, Run on a half-typed line, Skip
// with the step's work done, and no free tick for a step whose state was there before the learner came.
import { expect, test, type Page } from '@playwright/test';
import { rows } from '../session-page.js';

async function startAt(page: Page, path: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 850 });
  await page.goto(path);
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
}

test('a mistake, and a failing command no mistake matches, are said by the terminal, on screen without scrolling', async ({ page }) => {
  await startAt(page, '/lessons/first-container/run-hello');
  await page.getByTestId('terminal').click();
  await page.keyboard.type('docker run hello_world\n');
  const bar = page.getByTestId('feedback');
  await expect(bar).toContainText('The image is called hello-world, with a dash');
  await expect(bar).toBeInViewport({ ratio: 1 });
  await expect(bar).toHaveAttribute('role', 'status'); // a polite live region: read out by screen readers
  await page.keyboard.type('docker rn hello-world\n');
  await expect(bar).toContainText('That command failed (exit 1)');
  await expect(bar).toBeInViewport({ ratio: 1 });
});

test('Check my work names the goal that is not met, in the lesson\'s words', async ({ page }) => {
  await startAt(page, '/lessons/first-container/run-named');
  await page.getByTestId('check-my-work').click();
  const bar = page.getByTestId('feedback');
  await expect(bar).toContainText('Not yet, because');
  await expect(bar).toContainText('There is no container named hello yet.');
  await expect(bar).toContainText('You have not run docker run --name hello hello-world (or a command like it) in this step yet.');
});

test('Run on a half-typed line runs only its command, and does not type into a running program', async ({ page }) => {
  await startAt(page, '/lessons/first-container/run-hello');
  await page.getByTestId('terminal').click();
  await page.keyboard.type('docker ima');
  await page.getByTestId('step-text').getByTestId('run').first().click();
  await expect(rows(page)).toContainText('Hello from Docker!', { timeout: 15_000 });
  await expect(rows(page)).not.toContainText('docker imadocker');
  await expect(page.getByTestId('step-run-hello')).toHaveAttribute('data-done', 'true');

  await page.getByTestId('terminal').click();
  await page.keyboard.type('sleep 300\n');
  await page.getByTestId('step-list-containers').click();
  await page.getByTestId('step-text').getByTestId('run').first().click();
  await expect(page.getByTestId('feedback')).toContainText('“sleep 300” is still running in the terminal');
  await page.getByTestId('terminal').click();
  await page.keyboard.press('Control+C');
  await page.getByTestId('step-text').getByTestId('run').first().click();
  await expect(page.getByTestId('step-list-containers')).toHaveAttribute('data-done', 'true');
});

test('Skip does the step\'s work, marks it skipped (not done), and the next step passes', async ({ page }) => {
  await startAt(page, '/lessons/first-container/run-hello');
  await page.getByTestId('skip').click();
  await expect(page).toHaveURL(/\/lessons\/first-container\/list-containers$/);
  await expect(page.getByTestId('feedback')).toContainText('Skipped “Run hello-world”');
  await expect(page.getByTestId('step-run-hello')).toHaveAttribute('data-skipped', 'true');
  await expect(page.getByTestId('step-run-hello')).toHaveAttribute('data-done', 'false');
  await page.getByTestId('terminal').click();
  await page.keyboard.type('docker ps -a\n');
  await expect(rows(page)).toContainText('hello-world');
  await expect(page.getByTestId('step-list-containers')).toHaveAttribute('data-done', 'true');
});

test('opened directly, "remove the container" finds its container, and typing ls does not tick it', async ({ page }) => {
  await startAt(page, '/lessons/first-container/remove-container');
  await page.getByTestId('terminal').click();
  await page.keyboard.type('ls; echo listed-$((6*7))\n');
  await expect(rows(page)).toContainText('listed-42');
  // The earlier steps are redone first ("Preparing this step…"); Check my work comes back once they are.
  await expect(page.getByTestId('check-my-work')).toBeEnabled({ timeout: 60_000 });
  await page.keyboard.type('docker ps -a --format "name:{{.Names}};"\n');
  await expect(rows(page)).toContainText('name:hello;'); // (the screen's rows run together)
  await expect(page.getByTestId('step-remove-container')).toHaveAttribute('data-done', 'false');
  await page.getByTestId('check-my-work').click();
  await expect(page.getByTestId('feedback')).toContainText('A container named hello still exists');
  await page.getByTestId('terminal').click(); // the keyboard was on Check my work
  await page.keyboard.type('docker rm hello\n');
  await expect(page.getByTestId('step-remove-container')).toHaveAttribute('data-done', 'true');
});

test('an opened hint and solution scroll into view', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 560 });
  await page.goto('/lessons/first-container/run-hello');
  await page.getByTestId('solution').click();
  await expect(page.getByTestId('solution-text')).toBeInViewport({ ratio: 1 });
  await page.getByTestId('hint').click();
  await expect(page.getByTestId('hint-text')).toBeInViewport({ ratio: 1 });
});
