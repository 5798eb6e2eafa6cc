// The files panel in Chromium (issue 14): a Dockerfile created and saved in the editor is the learner's and
// the shell shows it; changed from the shell, reopening shows the change; a save over it is refused first.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { endSession, rows } from '../session-page.js';

/** A session on a wide screen with the files panel open. */
async function startWithFiles(page: Page) {
  await page.setViewportSize({ width: 1536, height: 864 });
  await page.goto('/');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await page.getByTestId('files-toggle').click();
  const panel = page.getByTestId('files-panel');
  await expect(panel).toBeVisible();
  return panel;
}

test('create a Dockerfile in the editor, cat it in the terminal; change it from the shell and reopen it', async ({ page }) => {
  const panel = await startWithFiles(page);

  page.once('dialog', (d) => void d.accept('Dockerfile'));
  await page.getByTestId('file-new').click();
  const editor = page.getByTestId('editor').locator('.cm-content');
  await expect(editor).toBeVisible();
  await editor.click();
  await page.keyboard.type('FROM debian:bookworm\nRUN echo hi\n');
  await expect(page.getByTestId('file-dirty')).toBeVisible();
  await page.keyboard.press('Control+s');
  await expect(page.getByTestId('files-message')).toContainText('Saved');
  await expect(page.getByTestId('file-dirty')).toHaveCount(0);

  await page.getByTestId('terminal').click();
  await page.keyboard.type('cat ~/Dockerfile; stat -c "owner=%U" ~/Dockerfile\n');
  await expect(rows(page)).toContainText('RUN echo hi');
  await expect(rows(page)).toContainText('owner=user');

  await page.keyboard.type('echo "CMD [\\"cat\\", \\"/etc/os-release\\"]" >> ~/Dockerfile; echo appended-$((1+1))\n');
  await expect(rows(page)).toContainText('appended-2');
  // A save of the old text now would lose the shell's line: it is refused, and Reopen shows it.
  await editor.click();
  await page.keyboard.type('# mine\n');
  await page.getByTestId('file-save').click();
  await expect(page.getByTestId('files-message')).toContainText('changed in your sandbox since you opened it');
  await page.getByTestId('file-reopen').click();
  await expect(editor).toContainText('CMD ["cat", "/etc/os-release"]');
  await expect(editor).not.toContainText('# mine');
  await expect(panel.locator('[data-testid="file-entry"][data-path="Dockerfile"]')).toBeVisible();
  await endSession(page);
});

test('a file dropped on the panel is uploaded into the home folder; the home folder downloads as a .tar.gz holding it', async ({ page }) => {
  const panel = await startWithFiles(page);

  const drop = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['dropped by the learner\n'], 'notes.txt', { type: 'text/plain' }));
    return dt;
  });
  await panel.dispatchEvent('dragover', { dataTransfer: drop });
  await panel.dispatchEvent('drop', { dataTransfer: drop });
  await expect(page.getByTestId('files-message')).toContainText('Uploaded 1 file');
  await expect(panel.locator('[data-testid="file-entry"][data-path="notes.txt"]')).toBeVisible();
  await page.getByTestId('terminal').click();
  await page.keyboard.type('cat ~/notes.txt; stat -c "owner=%U" ~/notes.txt\n');
  await expect(rows(page)).toContainText('dropped by the learner');
  await expect(rows(page)).toContainText('owner=user');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('file-download').click()]);
  expect(download.suggestedFilename()).toBe('home.tar.gz');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-download-'));
  try {
    await download.saveAs(path.join(dir, 'home.tar.gz'));
    expect(execFileSync('tar', ['-xzOf', 'home.tar.gz', './notes.txt'], { cwd: dir, encoding: 'utf8' })).toBe('dropped by the learner\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  await endSession(page);
});

test('a lesson step opens its file in the editor; the recipe written there and saved, with index.html from the shell, ticks the step', async ({ page }) => {
  await page.setViewportSize({ width: 1536, height: 864 });
  await page.goto('/lessons/dockerfile/write-dockerfile');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  const editor = page.getByTestId('editor').locator('.cm-content');
  await expect(editor).toContainText('The recipe for your image'); // the step's starting text, not a tick
  await expect(page.getByTestId('files-panel').locator('[data-testid="file-entry"][data-path="hello/Dockerfile"]')).toBeVisible(); // its new folder, open
  await expect(page.getByTestId('step-write-dockerfile')).toHaveAttribute('data-done', 'false');

  await editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('FROM busybox\nCOPY index.html /www/index.html\nCMD httpd -f -p 8000 -h /www\n');
  await page.keyboard.press('Control+s');
  await expect(page.getByTestId('files-message')).toContainText('Saved');
  await page.getByTestId('terminal').click();
  await page.keyboard.type('echo "<h1>mine</h1>" > ~/hello/index.html; stat -c "owner=%U" ~/hello/Dockerfile\n');
  await expect(rows(page)).toContainText('owner=user');
  await expect(page.getByTestId('step-write-dockerfile')).toHaveAttribute('data-done', 'true');
  await endSession(page);
});
