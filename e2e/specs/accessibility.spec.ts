import { AxeBuilder } from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { endSession } from '../session-page.js';

// Serious and critical findings of axe-core (WCAG 2.1 A and AA rules) on the screens a learner sees.
async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

test('axe-core finds nothing serious on the home, lesson and end screens', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('lesson-first-container')).toBeVisible();
  expect(await seriousViolations(page), 'home').toEqual([]);

  await page.getByTestId('lesson-first-container').click();
  await expect(page.getByTestId('step-text')).toBeVisible();
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect(page.getByTestId('terminal').locator('.xterm-rows')).toContainText('$');
  expect(await seriousViolations(page), 'lesson with a running session').toEqual([]);

  await endSession(page);
  expect(await seriousViolations(page), 'end screen').toEqual([]);
});

test('the keyboard leaves the terminal with Esc then Tab, as the terminal says; the shell never sees that Esc', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  const terminal = page.getByTestId('terminal');
  const rows = terminal.locator('.xterm-rows');
  await terminal.click();
  // What a screen reader says on entering the terminal, and what a sighted keyboard user sees.
  const describedBy = await terminal.locator('textarea').getAttribute('aria-describedby');
  await expect(page.locator(`#${describedBy}`)).toHaveText('Press Esc then Tab to leave the terminal');
  await expect(page.locator(`#${describedBy}`)).toHaveCSS('opacity', /^0\.9/);

  // Tab alone stays in the shell (completion).
  await page.keyboard.type('ech');
  await page.keyboard.press('Tab');
  await expect(rows).toContainText('echo');
  await page.keyboard.type(' tab-$((1+1))\n');
  await expect(rows).toContainText('tab-2');

  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  const outside = await page.evaluate(() => {
    const a = document.activeElement;
    return { inTerminal: !!a?.closest('[data-testid="terminal"]'), tag: a?.tagName ?? '' };
  });
  expect(outside.inTerminal, `focus on ${outside.tag}`).toBe(false);

  // Back in the terminal, the next key is an ordinary key: no Esc prefix turned "d" into Meta-d.
  await terminal.click();
  await page.keyboard.type('echo back-$((40+2)) $USER\n');
  await expect(rows).toContainText('back-42 user');

  // Esc then another key: the Esc reaches the shell first (readline: Esc . inserts the last argument, $USER).
  await page.keyboard.type('echo again ');
  await page.keyboard.press('Escape');
  await page.keyboard.press('.');
  await page.keyboard.press('Enter');
  await expect(rows).toContainText('again user');
  await endSession(page);
});

test('in screen-reader mode, output is said in pieces: a few lines, table columns as a list, the rest counted', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('menu').click(); // settings live in the header's menu
  await page.getByTestId('screen-reader').check();
  await page.keyboard.press('Escape');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await page.getByTestId('terminal').click();
  // xterm's own region would read 20 rows at once: it is silenced, Berth's speaks.
  await expect(page.getByTestId('terminal').locator('.live-region')).toHaveAttribute('aria-live', 'off');
  await page.keyboard.type("printf 'REPOSITORY   TAG      SIZE\\nbusybox      latest   4.3MB\\n'; seq 1 10\n");
  const said = page.getByTestId('terminal-announcer');
  await expect(said).toHaveAttribute('aria-live', 'polite');
  await expect(said).toHaveText(/REPOSITORY, TAG, SIZE\s+busybox, latest, 4\.3MB\s+1\s+2\s+3\s+… and 7 more lines: read them in the terminal\./);
  await expect(said).not.toContainText('printf');
  await endSession(page);
});

test('Restart shell gives the keyboard back to the terminal', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await page.getByTestId('restart-shell').click();
  await expect(page.getByTestId('terminal').locator('textarea')).toBeFocused();
  // Typed once the new shell's prompt is there, as a learner reading the notice would.
  await expect(page.getByTestId('terminal').locator('.xterm-rows')).toContainText(/here is a new one\].*\$/, { timeout: 15_000 });
  await page.keyboard.type('echo restarted-$((6*7))\n');
  await expect(page.getByTestId('terminal').locator('.xterm-rows')).toContainText('restarted-42', { timeout: 15_000 });
  await endSession(page);
});
