// What several specs do to Berth's page: end a session (End asks first), and read a terminal's screen.
import { expect, type Page } from '@playwright/test';

/** The rows of a terminal's screen (their text runs together: match output that the typed line lacks). */
export const rows = (page: Page, testId = 'terminal') => page.getByTestId(testId).locator('.xterm-rows');

/** End session, answering its confirmation, and wait for the end screen. */
export async function endSession(page: Page): Promise<void> {
  await page.getByTestId('end').click();
  await page.getByTestId('end-confirm').click();
  await expect(page.getByTestId('ended')).toBeVisible({ timeout: 15_000 });
}
