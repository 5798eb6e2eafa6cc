// Staff sign in with the school's OpenID provider, in Chromium: a real provider (oidc-provider, its own login
// pages) and a Berth server of this spec's own configured for it. Then the attack the page's half of the
// sign-in stands against: a link carrying someone else's check, with their cookie planted beside it, does not
// sign a browser in as them.
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { STAFF_COOKIE } from '@berth/shared';
import { expect, test } from '@playwright/test';
import { CLIENT_ID, CLIENT_SECRET, TestProvider } from '../../server/test/oidc-test-provider.js';
import { startOwnServer, stopOwnServer } from '../own-server.js';
import { recordPort } from '../playwright.config.js';
import { berthAdmin } from '../staff-page.js';

// The config's servers take port .. recordPort, server-restart.spec the next one; this spec the one after.
const port = recordPort + 2;
const url = `http://127.0.0.1:${port}`;
const tag = crypto.randomBytes(3).toString('hex');
const teacher = { sub: `li-${tag}`, email: `li-${tag}@school.test`, email_verified: true, name: 'Ms Li' };

let provider: TestProvider;
let server: ChildProcess;

test.beforeAll(async () => {
  provider = await TestProvider.start(`${url}/api/staff/oidc/callback`, [teacher]);
  server = await startOwnServer(url, {
    BERTH_PORT: String(port),
    BERTH_PORTS_PORT: String(port + 100),
    BERTH_HOST: '127.0.0.1',
    BERTH_LOG_LEVEL: 'warn',
    BERTH_INSTANCE: 'e2e-oidc',
    BERTH_POOL_SIZE: '0',
    BERTH_ON_STOP: 'end-sessions',
    BERTH_PUBLIC_URL: url,
    BERTH_OIDC_ISSUER: provider.issuer,
    BERTH_OIDC_CLIENT_ID: CLIENT_ID,
    BERTH_OIDC_CLIENT_SECRET: CLIENT_SECRET,
    BERTH_OIDC_NAME: 'Test School',
    BERTH_OIDC_NEW_ROLE: 'teacher',
    BERTH_OIDC_DOMAINS: 'school.test',
  });
});

test.afterAll(async () => {
  if (server) await stopOwnServer(server);
  berthAdmin(['remove', '--email', teacher.email]);
  await provider?.close();
});

test("a teacher signs in with the school's provider; a link with her check opens no sign-in in another browser", async ({ page, browser }) => {
  await page.goto(`${url}/staff`);
  await page.getByTestId('staff-oidc').click();
  // The provider's own pages: its login form, then its consent.
  await page.locator('input[name="login"]').fill(teacher.sub);
  await page.locator('input[name="password"]').fill('any');
  await page.locator('button[type="submit"]').click();
  await page.locator('button[type="submit"]').click();
  await expect(page.getByTestId('staff-who')).toContainText('Signed in as Ms Li (teacher)');
  expect(new URL(page.url()).hash, 'the check is taken out of the address').toBe('');
  await page.reload();
  await expect(page.getByTestId('staff-who')).toContainText('Ms Li');

  // Her cookie and her check, as someone holding them would plant them in another browser.
  const token = (await page.context().cookies(url)).find((c) => c.name === STAFF_COOKIE)!.value;
  const check = await page.evaluate(() => localStorage.getItem('berth.staffCheck'));
  expect(check).toBeTruthy();
  const other = await browser.newContext();
  try {
    await other.addCookies([{ name: STAFF_COOKIE, value: token, url }]);
    const victim = await other.newPage();
    await victim.goto(`${url}/staff#staff-check=${check}`);
    await expect(victim.getByTestId('staff-error')).toHaveText('This page was opened with a sign-in it did not start, so it was not used. To sign in, use the button or your email and password here.');
    await expect(victim.getByTestId('staff-sign-in')).toBeVisible();
    expect(await victim.evaluate(() => localStorage.getItem('berth.staffCheck'))).toBeNull();
  } finally {
    await other.close();
  }
});
