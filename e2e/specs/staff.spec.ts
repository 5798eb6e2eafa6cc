// The staff page in Chromium (issue 15's foundation): an admin made on the host signs in, makes a teacher;
// the teacher signs in in another browser and sees no accounts; a wrong password reads as a sentence.
import crypto from 'node:crypto';
import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import { recordingsDir, recordPort } from '../playwright.config.js';
import { endSession, rows } from '../session-page.js';
import { berthAdmin as berth, signInAsStaff as signIn } from '../staff-page.js';

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

test('an admin watches a visitor’s terminal read-only, joins to type, stops; the visitor always sees who watches or types', async ({ page, browser }) => {
  const tag = crypto.randomBytes(3).toString('hex');
  const admin = { email: `watcher-${tag}@e2e.invalid`, password: `admin password ${tag}` };
  berth(['create', '--email', admin.email, '--name', 'Wendy Watcher'], `${admin.password}\n`);
  const visitorContext = await browser.newContext();
  try {
    const visitor = await visitorContext.newPage();
    await visitor.goto('/');
    await visitor.getByTestId('start').click();
    await expect(visitor.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
    await visitor.getByTestId('terminal').click();
    await visitor.keyboard.type(`echo before-${tag}\n`);
    await expect(rows(visitor)).toContainText(`before-${tag}`);
    const sessionId = await visitor.evaluate(() => (JSON.parse(localStorage.getItem('berth.session') ?? '{}') as { id: string }).id);

    await signIn(page, admin.email, admin.password);
    const row = page.locator(`[data-testid="staff-live-session"][data-session="${sessionId}"]`);
    await expect(row).toContainText(`echo before-${tag} (0)`, { timeout: 10_000 });
    await row.getByTestId('staff-watch-button').click();
    const screen = page.getByTestId('staff-watch-terminal').locator('.xterm-rows');
    await expect(screen).toContainText(`before-${tag}`);
    await expect(visitor.getByTestId('watched-by')).toContainText('Wendy Watcher (Berth staff) can see your terminal now, read-only');

    await visitor.keyboard.type(`echo after-${tag}\n`);
    await expect(screen).toContainText(`after-${tag}`);
    // The watch's screen takes no keys: typed there, nothing reaches the visitor's shell.
    await page.getByTestId('staff-watch-terminal').click();
    await page.keyboard.type(`echo from-staff-${tag}\n`);
    await visitor.keyboard.type(`echo last-${tag}\n`);
    await expect(rows(visitor)).toContainText(`last-${tag}`);
    await expect(rows(visitor)).not.toContainText(`from-staff-${tag}`);

    // Joined, the admin's typing reaches the visitor's shell, and the visitor's page says who can type.
    await page.getByTestId('staff-join').click();
    await expect(visitor.getByTestId('joined-by')).toHaveText('Wendy Watcher (Berth staff) joined your terminal: they see it and can type in it.');
    await page.getByTestId('staff-watch-terminal').click();
    await page.keyboard.type('echo "$((40+2))-joined"\n');
    await expect(rows(visitor)).toContainText('42-joined');
    await expect(screen).toContainText('42-joined');
    await page.getByTestId('staff-join').click();
    await expect(visitor.getByTestId('joined-by')).toHaveCount(0);
    await expect(visitor.getByTestId('watched-by')).toContainText('Wendy Watcher (Berth staff) can see your terminal now');

    await page.getByTestId('staff-stop-watching').click();
    await expect(visitor.getByTestId('watched-by')).toHaveCount(0);

    // Watched again, the session's end reaches the watcher.
    await row.getByTestId('staff-watch-button').click();
    await expect(visitor.getByTestId('watched-by')).toBeVisible();
    await endSession(visitor);
    await expect(page.getByTestId('staff-watch-ended')).toHaveText('The session ended.');
  } finally {
    await visitorContext.close();
    berth(['remove', '--email', admin.email]);
  }
});

test('on a host that records terminals the visitor is told; after the end an admin downloads the sealed .cast', async ({ page, browser }) => {
  const recording = `http://127.0.0.1:${recordPort}`;
  const folder = recordingsDir;
  const tag = crypto.randomBytes(3).toString('hex');
  const admin = { email: `recordings-${tag}@e2e.invalid`, password: `admin password ${tag}` };
  berth(['create', '--email', admin.email, '--name', 'Rita Recorder'], `${admin.password}\n`);
  const visitorContext = await browser.newContext();
  let sessionId = '';
  try {
    const visitor = await visitorContext.newPage();
    await visitor.goto(recording);
    await visitor.getByTestId('start').click();
    await expect(visitor.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
    await expect(visitor.getByTestId('recorded')).toHaveText(
      "This terminal is recorded: what it shows and what you type are kept for 30 days, and this site's staff can replay them.",
    );
    sessionId = await visitor.evaluate(() => (JSON.parse(localStorage.getItem('berth.session') ?? '{}') as { id: string }).id);
    await visitor.getByTestId('terminal').click();
    await visitor.keyboard.type('echo "on tape $((3*4))"\n');
    await expect(rows(visitor)).toContainText('on tape 12');
    await endSession(visitor);

    await signIn(page, admin.email, admin.password, recording);
    const row = page.locator(`[data-testid="staff-recording"][data-session="${sessionId}"]`);
    await expect(async () => {
      await page.getByTestId('staff-recordings').getByRole('button', { name: 'Refresh' }).click();
      await expect(row.getByTestId('staff-recording-download')).toBeVisible({ timeout: 500 });
    }).toPass({ timeout: 15_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByTestId('staff-recording-download').click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^berth-${sessionId}-[a-z0-9]+\\.cast$`));
    const lines = fs.readFileSync((await download.path())!, 'utf8').trimEnd().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ version: 2, env: { TERM: 'xterm-256color' } });
    const events = lines.slice(1).map((l) => JSON.parse(l) as [number, string, string]);
    expect(events.filter((e) => e[1] === 'o').map((e) => e[2]).join('')).toContain('on tape 12');
    expect(events.filter((e) => e[1] === 'm').map((e) => e[2])).toContain('command `echo "on tape $((3*4))"` exit 0');
  } finally {
    await visitorContext.close();
    berth(['remove', '--email', admin.email]);
    for (const name of sessionId && fs.existsSync(folder) ? fs.readdirSync(folder) : []) {
      if (name.startsWith(`${sessionId}-`)) fs.rmSync(`${folder}/${name}`);
    }
  }
});
