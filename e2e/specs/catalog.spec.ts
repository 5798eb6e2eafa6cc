import { expect, test } from '@playwright/test';
import { endSession } from '../session-page.js';

test('the catalog: the tips above the lessons, each lesson with its one line and what it needs first', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/');
  const catalog = page.getByTestId('catalog');
  const tips = catalog.getByTestId('tips');
  await expect(tips).toContainText('Ctrl+Shift+C');
  await expect(tips).toBeInViewport();
  const firstCard = catalog.getByTestId('lesson-what-is-docker');
  expect((await tips.boundingBox())!.y).toBeLessThan((await firstCard.boundingBox())!.y);

  const images = catalog.getByTestId('lesson-images');
  await expect(images.getByTestId('description')).toHaveText('Pull images, read names and tags, ask a registry what it holds, tag and remove images.');
  await expect(images).toContainText('First: Your first container');
  await expect(catalog.getByTestId('lesson-two-container-app')).toContainText('First: Build your own image with a Dockerfile · Container networking');

  await page.getByTestId('lang').selectOption('zh');
  await expect(images.getByTestId('description')).toContainText('拉取镜像');
  await expect(images).toContainText('先学：你的第一个容器');
});

test('continue where you left off, the finish page names one next lesson, and a finished lesson reads again', async ({ page }) => {
  await page.goto('/lessons/first-container');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await page.getByTestId('step-text').getByTestId('run').first().click();
  await expect(page.getByTestId('step-run-hello')).toHaveAttribute('data-done', 'true', { timeout: 15_000 });

  await page.getByTestId('back').click();
  const resume = page.getByTestId('continue-lesson');
  await expect(resume).toContainText('Continue where you left off');
  await expect(resume).toContainText('Your first container');
  await expect(resume).toContainText('1 of 5 steps done');
  await resume.click();
  await expect(page).toHaveURL(/\/lessons\/first-container\/list-containers$/);

  await page.goto('/lessons/first-container/finish');
  const next = page.getByTestId('next-lesson-info');
  await expect(next).toContainText('Images, tags and registries');
  await expect(next).toContainText('Pull images, read names and tags');
  await expect(page.getByTestId('next-lesson')).toContainText('Images, tags and registries');
  // The lesson's own text names no other lesson as the next one.
  await expect(page.getByTestId('finish-page')).not.toContainText(/next lesson: \*\*|That is the next lesson/i);

  await page.getByTestId('review-lesson').click();
  await expect(page).toHaveURL(/\/lessons\/first-container\/run-hello$/);
  await expect(page.getByTestId('step-run-hello')).toHaveAttribute('data-done', 'true');
  await expect(page.getByTestId('step-text')).toBeVisible();
  await endSession(page);
});

test('lesson 15 numbers its steps once', async ({ page }) => {
  await page.goto('/lessons/classic-tour/pull');
  await expect(page.locator('#step-title')).toHaveText('Download an image');
  await expect(page.getByTestId('lesson')).toContainText('Step 3 of 9');
});
