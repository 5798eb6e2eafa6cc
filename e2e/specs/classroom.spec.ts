// A class in Chromium (issue 15): an admin makes a teacher, who creates a class; three students (separate
// browsers, one address) join with its code; a student's tick shows on the teacher's grid within 2 s; the
// teacher watches, joins and types, and the student sees it and who joined; a broadcast reaches every
// student; the CSV lists the tick; a student's sandbox is swapped for a fresh one, tick kept; ending the class
// ends every student's sandbox.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { rows } from '../session-page.js';
import { berthAdmin as berth, signInAsStaff as signIn } from '../staff-page.js';

test('a class of three: join by code, the grid ticks, the teacher joins a terminal, a broadcast, the CSV, the end', async ({ page, browser }) => {
  test.setTimeout(240_000);
  const tag = crypto.randomBytes(3).toString('hex');
  const admin = { email: `class-admin-${tag}@e2e.invalid`, password: `admin password ${tag}` };
  const teacher = { email: `class-teacher-${tag}@e2e.invalid`, password: `teacher password ${tag}` };
  berth(['create', '--email', admin.email, '--name', 'Class Admin'], `${admin.password}\n`);
  const contexts: BrowserContext[] = [];
  try {
    await signIn(page, admin.email, admin.password);
    const account = page.getByTestId('staff-new-account');
    await account.getByLabel('Email').fill(teacher.email);
    await account.getByLabel('Name').fill('Tara Teacher');
    await account.getByLabel('Password (12 characters or more)').fill(teacher.password);
    await account.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByTestId('staff-accounts')).toContainText(teacher.email);
    await page.getByTestId('staff-sign-out').click();
    await signIn(page, teacher.email, teacher.password);
    await expect(page.getByTestId('staff-who')).toContainText('Tara Teacher (teacher)');

    const form = page.getByTestId('class-new');
    await form.getByTestId('class-name-input').fill(`Docker 101 ${tag}`);
    await form.getByTestId('class-capacity').fill('3');
    await form.locator('[data-lesson="first-container"]').check();
    await form.getByRole('button', { name: 'Create the class' }).click();
    const code = (await page.getByTestId('class-code').textContent({ timeout: 10_000 }))!.trim();
    expect(code).toMatch(/^[A-HJ-KM-NP-Z2-9]{6}$/);
    await expect(page.getByTestId('class-dashboard').locator('svg')).toBeVisible();

    const students: Page[] = [];
    for (const name of ['Ana', 'Ben', 'Cy']) {
      const context = await browser.newContext();
      contexts.push(context);
      const student = await context.newPage();
      await student.goto(`/c/${code.toLowerCase()}`);
      await expect(student.getByTestId('class-name')).toHaveText(`Docker 101 ${tag}`);
      await student.getByTestId('class-student-name').fill(name);
      await student.getByTestId('class-join-button').click();
      students.push(student);
    }
    for (const student of students) await expect(student.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await expect(page.getByTestId('class-student')).toHaveCount(3);
    await expect(page.getByTestId('class-working')).toHaveText('3 of 3 working now');

    const [ana] = students as [Page, Page, Page];
    await ana.getByTestId('step-text').getByTestId('run').first().click();
    await expect(rows(ana)).toContainText('Hello from Docker!', { timeout: 15_000 });
    await expect(ana.getByTestId('step-run-hello')).toHaveAttribute('data-done', 'true', { timeout: 15_000 });
    await expect(page.locator('[data-testid="class-student"][data-name="Ana"] [data-step="run-hello"]')).toHaveAttribute('data-cell', 'done', { timeout: 2000 });
    await expect(page.locator('[data-testid="class-student"][data-name="Ben"] [data-step="run-hello"]')).toHaveAttribute('data-cell', 'current');

    await page.locator('[data-testid="class-student"][data-name="Ana"]').getByTestId('class-watch').click();
    await expect(page.getByTestId('staff-watch-terminal').locator('.xterm-rows')).toContainText('Hello from Docker!');
    await page.getByTestId('staff-join').click();
    await expect(ana.getByTestId('joined-by')).toHaveText('Tara Teacher (Berth staff) joined your terminal: they see it and can type in it.');
    await page.getByTestId('staff-watch-terminal').click();
    await page.keyboard.type('echo "hi $((40+2))"\n');
    await expect(rows(ana)).toContainText('hi 42');
    await page.getByTestId('staff-stop-watching').click();

    await page.getByTestId('class-broadcast-input').fill('Try docker ps -a next');
    await page.getByTestId('class-broadcast-send').click();
    for (const student of students) await expect(student.getByTestId('broadcast-message')).toHaveText('Try docker ps -a next');
    await expect(students[1]!.getByTestId('broadcast')).toContainText('Tara Teacher says:');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('class-csv').click()]);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')).toEqual(expect.arrayContaining(['student,lesson,step,done', 'Ana,first-container,run-hello,yes', 'Ben,first-container,run-hello,no']));

    // Ana's sandbox is swapped for a fresh one: her page says so, Start joins again, her tick is kept.
    page.once('dialog', (d) => void d.accept());
    await page.locator('[data-testid="class-student"][data-name="Ana"]').getByTestId('class-new-sandbox').click();
    await expect(page.getByTestId('class-notice')).toHaveText("Ana's sandbox ended: their page offers a fresh one.");
    await expect(ana.getByTestId('ended')).toContainText('Your teacher gave you a fresh sandbox');
    await expect(ana.getByTestId('ended')).toHaveAttribute('data-reason', 'ended-by-staff');
    await ana.getByTestId('start-again').click();
    await expect(ana.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await expect(ana.getByTestId('step-run-hello')).toHaveAttribute('data-done', 'true');
    await expect(page.getByTestId('class-working')).toHaveText('3 of 3 working now');
    await expect(page.locator('[data-testid="class-student"][data-name="Ana"] [data-step="run-hello"]')).toHaveAttribute('data-cell', 'done');

    page.once('dialog', (d) => void d.accept());
    await page.getByTestId('class-end').click();
    for (const student of students) await expect(student.getByTestId('ended')).toBeVisible({ timeout: 15_000 });
    await expect(ana.getByTestId('ended')).toContainText('Your teacher ended the class.');
  } finally {
    for (const c of contexts) await c.close();
    for (const email of [admin.email, teacher.email]) {
      try {
        berth(['remove', '--email', email]);
      } catch {
        // never made
      }
    }
  }
});
