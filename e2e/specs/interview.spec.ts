// An interview in Chromium (issue 15): an interviewer (here an admin, made on the host) creates an invite on
// the staff page; the candidate, in another browser with no account, opens the link, reads the brief, the
// time, its checks and that it is recorded, starts, is watched live for a moment, runs three commands (one
// pasted, one meeting a check) and hands in with End; the
// interviewer reviews the recording in the player with its timeline, and downloads a .cast whose hash is
// the one Berth sealed it with. (The time limit's own end is the engine test's: interviews.test.ts.)
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { endSession, rows } from '../session-page.js';
import { berthAdmin as berth, signInAsStaff } from '../staff-page.js';

const recordings = '/var/lib/berth/recordings';

test('an invite, the candidate\'s three commands (one pasted), the hand-in, and the interviewer\'s replay with its timeline and .cast', async ({ page, browser }) => {
  const tag = crypto.randomBytes(3).toString('hex');
  const admin = { email: `interviews-${tag}@e2e.invalid`, password: `admin password ${tag}` };
  berth(['create', '--email', admin.email, '--name', 'Ivy Interviewer'], `${admin.password}\n`);
  const candidateContext = await browser.newContext();
  let sessionId = '';
  try {
    await signInAsStaff(page, admin.email, admin.password);
    const form = page.getByTestId('interview-new');
    await form.getByTestId('interview-candidate').fill(`Cara ${tag}`);
    await form.getByTestId('interview-minutes').fill('30');
    await form.getByTestId('interview-brief-input').fill('Show **three** commands, one of them pasted.\n\n```sh\necho one\n```');
    await form.getByTestId('interview-check-add').click();
    await form.getByTestId('interview-check-add').click();
    await form.getByTestId('interview-check-title').nth(0).fill('A file one.txt says one 1');
    await form.getByTestId('interview-check-script').nth(0).fill("grep -qx 'one 1' ~/one.txt");
    await form.getByTestId('interview-check-title').nth(1).fill('A container named web is running');
    await form.getByTestId('interview-check-script').nth(1).fill('docker ps --format "{{.Names}}" | grep -qx web');
    await form.getByRole('button', { name: 'Create the invite' }).click();
    const link = (await page.getByTestId('interview-link').textContent({ timeout: 10_000 }))!;
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/i\/[A-Za-z0-9_-]{32}$/);
    await expect(page.getByTestId('staff-interview').first()).toHaveAttribute('data-state', 'invited');

    const candidate = await candidateContext.newPage();
    await candidateContext.grantPermissions(['clipboard-read', 'clipboard-write']);
    await candidate.goto(link);
    await expect(candidate.getByTestId('interview-hello')).toHaveText(`Hello, Cara ${tag}.`);
    await expect(candidate.getByTestId('interview-task').locator('strong')).toHaveText('three');
    await expect(candidate.getByTestId('interview-time')).toContainText('You have 30 minutes from the moment you press Start.');
    await expect(candidate.getByTestId('interview-recorded')).toContainText('Everything in the terminal is recorded');
    await expect(candidate.getByTestId('interview-check-titles').locator('li')).toHaveText(['A file one.txt says one 1', 'A container named web is running']);
    await candidate.getByTestId('start').click();
    await expect(candidate.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
    await expect(candidate.getByTestId('recorded')).toBeVisible();
    await expect(candidate.getByTestId('extend')).toHaveCount(0);
    sessionId = await candidate.evaluate(() => (JSON.parse(localStorage.getItem('berth.session') ?? '{}') as { id: string }).id);

    await candidate.getByTestId('terminal').click();
    await candidate.keyboard.type('echo "one $((0+1))" | tee one.txt\n');
    await expect(rows(candidate)).toContainText('one 1');
    // The interviewer watches live, read-only; the candidate's page says so.
    const row = page.getByTestId('staff-interview').first();
    await expect(async () => {
      await page.getByTestId('staff-interviews').getByRole('button', { name: 'Refresh' }).click();
      await expect(row.getByTestId('interview-watch')).toBeVisible({ timeout: 500 });
    }).toPass({ timeout: 10_000 });
    await row.getByTestId('interview-watch').click();
    await expect(page.getByTestId('staff-watch-terminal').locator('.xterm-rows')).toContainText('one 1');
    await expect(candidate.getByTestId('watched-by')).toContainText('Ivy Interviewer (Berth staff) can see your terminal now, read-only');
    await page.getByTestId('staff-stop-watching').click();
    await expect(candidate.getByTestId('watched-by')).toHaveCount(0);

    await candidate.keyboard.type('false\n');
    await expect(rows(candidate)).toContainText(/falseuser@berth:~\$\s*$/);
    await candidate.evaluate(() => navigator.clipboard.writeText('echo "pasted $((2+2))"'));
    await candidate.keyboard.press('Control+Shift+V');
    // The page reads the clipboard before it pastes: Enter only once the line is there.
    await expect(rows(candidate)).toContainText('echo "pasted $((2+2))"');
    await candidate.keyboard.press('Enter');
    await expect(rows(candidate)).toContainText('pasted 4');
    // A pause longer than the player's idle limit (2 s), then Ctrl-L clears the screen without a command: the
    // replay shows "pasted 4" only at that command's own moment, on the player's shortened clock.
    await candidate.waitForTimeout(3000);
    await candidate.keyboard.press('Control+l');
    await expect(rows(candidate)).not.toContainText('pasted 4');
    await endSession(candidate);

    // The interviewer's list says done once the recording is sealed; the review plays it beside its timeline.
    await expect(async () => {
      await page.getByTestId('staff-interviews').getByRole('button', { name: 'Refresh' }).click();
      await expect(row.getByTestId('interview-review-open')).toBeVisible({ timeout: 500 });
    }).toPass({ timeout: 15_000 });
    await expect(row).toHaveAttribute('data-state', 'done');
    await row.getByTestId('interview-review-open').click();
    const timeline = page.getByTestId('interview-timeline').locator('li');
    await expect(timeline).toHaveCount(4, { timeout: 10_000 });
    await expect(timeline.nth(0)).toContainText('echo "one $((0+1))" | tee one.txt');
    await expect(timeline.nth(0)).toContainText('exit 0');
    await expect(timeline.nth(1)).toHaveAttribute('data-kind', 'check');
    await expect(timeline.nth(1)).toContainText('A file one.txt says one 1');
    await expect(timeline.nth(2)).toContainText('false');
    await expect(timeline.nth(2)).toContainText('exit 1');
    await expect(timeline.nth(3)).toContainText('echo "pasted $((2+2))"');
    await expect(timeline.nth(3)).toHaveAttribute('data-pasted', 'yes');
    await expect(timeline.nth(3)).toContainText('pasted');
    await expect(page.getByTestId('interview-summary')).toContainText('3 commands (1 failed) · 1 paste · 1 check met');
    const checks = page.getByTestId('interview-checks-met').locator('li');
    await expect(checks.nth(0)).toHaveAttribute('data-met', 'yes');
    await expect(checks.nth(0)).toContainText('A file one.txt says one 1: met after 0 min');
    await expect(checks.nth(1)).toHaveAttribute('data-met', 'no');
    await expect(checks.nth(1)).toContainText('A container named web is running: not met');
    // The player draws the recording; a line of the timeline moves it there.
    await expect(page.getByTestId('interview-player').locator('.ap-player')).toBeVisible();
    await timeline.nth(3).getByRole('button').click();
    await expect(page.getByTestId('interview-player')).toContainText('pasted 4', { timeout: 10_000 });

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('interview-download').click()]);
    const text = fs.readFileSync((await download.path())!, 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ version: 2 });
    for (const line of lines.slice(1)) expect(JSON.parse(line)).toEqual([expect.any(Number), expect.stringMatching(/^[oirm]$/), expect.any(String)]);
    const sealed = fs.readdirSync(recordings).find((n) => n.startsWith(`${sessionId}-`) && n.endsWith('.cast'))!;
    const recorded = fs.readFileSync(path.join(recordings, `${sealed}.sha256`), 'utf8');
    expect(recorded).toContain(crypto.createHash('sha256').update(text).digest('hex'));
  } finally {
    await candidateContext.close();
    berth(['remove', '--email', admin.email]);
    for (const name of sessionId && fs.existsSync(recordings) ? fs.readdirSync(recordings) : []) {
      if (name.startsWith(`${sessionId}-`)) fs.rmSync(path.join(recordings, name));
    }
  }
});

test('a lesson as the task: the candidate works through its steps under the brief, at the link\'s address, and the review shows the checks met', async ({ page, browser }) => {
  const tag = crypto.randomBytes(3).toString('hex');
  const admin = { email: `interviews-lesson-${tag}@e2e.invalid`, password: `admin password ${tag}` };
  berth(['create', '--email', admin.email, '--name', 'Leo Interviewer'], `${admin.password}\n`);
  const candidateContext = await browser.newContext();
  let sessionId = '';
  try {
    await signInAsStaff(page, admin.email, admin.password);
    const form = page.getByTestId('interview-new');
    await form.getByTestId('interview-candidate').fill(`Lou ${tag}`);
    await form.getByLabel('Lesson id (optional)').fill('first-container');
    await form.getByRole('button', { name: 'Create the invite' }).click();
    const link = (await page.getByTestId('interview-link').textContent({ timeout: 10_000 }))!;

    const candidate = await candidateContext.newPage();
    await candidate.goto(link);
    await expect(candidate.getByTestId('interview-brief')).toContainText('Work through the lesson "first-container" in the terminal');
    await expect(candidate.getByTestId('step-text')).toBeVisible();
    await expect(candidate.getByTestId('back')).toHaveCount(0);
    await candidate.getByTestId('start').click();
    await expect(candidate.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
    sessionId = await candidate.evaluate(() => (JSON.parse(localStorage.getItem('berth.session') ?? '{}') as { id: string }).id);
    await candidate.getByTestId('step-text').getByTestId('run').first().click();
    await expect(rows(candidate)).toContainText('Hello from Docker!', { timeout: 15_000 });
    await expect(candidate.getByTestId('step-run-hello')).toHaveAttribute('data-done', 'true', { timeout: 15_000 });
    await expect(candidate).toHaveURL(link);
    await endSession(candidate);

    const row = page.getByTestId('staff-interview').first();
    await expect(async () => {
      await page.getByTestId('staff-interviews').getByRole('button', { name: 'Refresh' }).click();
      await expect(row.getByTestId('interview-review-open')).toBeVisible({ timeout: 500 });
    }).toPass({ timeout: 15_000 });
    await row.getByTestId('interview-review-open').click();
    const timeline = page.getByTestId('interview-timeline').locator('li');
    await expect(timeline.filter({ hasText: 'docker run hello-world' }).first()).toContainText('exit 0');
    await expect(timeline.filter({ hasText: 'check met: first-container/run-hello' })).toHaveCount(1);
    await expect(page.getByTestId('interview-summary')).toContainText('1 check met');
  } finally {
    await candidateContext.close();
    berth(['remove', '--email', admin.email]);
    for (const name of sessionId && fs.existsSync(recordings) ? fs.readdirSync(recordings) : []) {
      if (name.startsWith(`${sessionId}-`)) fs.rmSync(path.join(recordings, name));
    }
  }
});
