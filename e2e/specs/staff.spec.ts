// The staff page in Chromium (issue 15's foundation): an admin made on the host signs in, makes a teacher;
// the teacher signs in in another browser and sees no accounts; a wrong password reads as a sentence.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';

const repo = path.resolve(import.meta.dirname, '..', '..');
const berth = (args: string[], input = '') =>
  execFileSync(process.execPath, [path.join(repo, 'scripts', 'berth.mjs'), 'admin', ...args], { cwd: repo, input, encoding: 'utf8' });

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/staff');
  await page.getByTestId('staff-email').fill(email);
  await page.getByTestId('staff-password').fill(password);
  await page.getByTestId('staff-submit').click();
}

test('an admin made on the host signs in and makes a teacher, who signs in elsewhere and sees no accounts', async ({ page, browser }) => {
  const tag = crypto.randomBytes(3).toString('hex');
  const admin = { email: `admin-${tag}@e2e.invalid`, password: `admin password ${tag}` };
  const teacher = { email: `teacher-${tag}@e2e.invalid`, password: `teacher password ${tag}` };
  berth(['create', '--email', admin.email, '--name', 'E2E Admin'], `${admin.password}\n`);
  try {
    await signIn(page, admin.email, 'not the password');
    await expect(page.getByTestId('staff-error')).toHaveText('That email and password do not match an account here.');
    await signIn(page, admin.email, admin.password);
    await expect(page.getByTestId('staff-who')).toContainText('Signed in as E2E Admin (admin)');

    const form = page.getByTestId('staff-new-account');
    await form.getByLabel('Email').fill(teacher.email);
    await form.getByLabel('Name').fill('E2E Teacher');
    await form.getByLabel('Password (12 characters or more)').fill(teacher.password);
    await form.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByTestId('staff-accounts')).toContainText(teacher.email);

    const other = await browser.newContext();
    try {
      const teacherPage = await other.newPage();
      await signIn(teacherPage, teacher.email, teacher.password);
      await expect(teacherPage.getByTestId('staff-who')).toContainText('Signed in as E2E Teacher (teacher)');
      await expect(teacherPage.getByTestId('staff-accounts')).toHaveCount(0);
      // A reload keeps the sign-in (the cookie and the check this browser keeps); Sign out ends it.
      await teacherPage.reload();
      await expect(teacherPage.getByTestId('staff-who')).toContainText('E2E Teacher');
      await teacherPage.getByTestId('staff-sign-out').click();
      await expect(teacherPage.getByTestId('staff-sign-in')).toBeVisible();
      await teacherPage.reload();
      await expect(teacherPage.getByTestId('staff-sign-in')).toBeVisible();
    } finally {
      await other.close();
    }
  } finally {
    for (const email of [admin.email, teacher.email]) berth(['remove', '--email', email]);
  }
});
