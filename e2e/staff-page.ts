// What the staff specs do: make or remove an account on the host as an operator would, and sign in at /staff.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Page } from '@playwright/test';

const repo = path.resolve(import.meta.dirname, '..');

/** `npx berth admin <args>` on the host, with `input` on its stdin (the password, twice as it asks). */
export const berthAdmin = (args: string[], input = '') =>
  execFileSync(process.execPath, [path.join(repo, 'scripts', 'berth.mjs'), 'admin', ...args], { cwd: repo, input, encoding: 'utf8' });

export async function signInAsStaff(page: Page, email: string, password: string, origin = ''): Promise<void> {
  await page.goto(`${origin}/staff`);
  await page.getByTestId('staff-email').fill(email);
  await page.getByTestId('staff-password').fill(password);
  await page.getByTestId('staff-submit').click();
}
