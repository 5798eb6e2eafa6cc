// Berth behind a TLS reverse proxy, as a public site runs it: Debian's nginx with docs/deploy/nginx.conf in
// front of a Berth server with BERTH_PUBLIC_URL=https://localhost:<port>, BERTH_TRUST_PROXY and port links at a
// host name each (BERTH_PORTS_URL=https://{port}-{session}.ports.localhost:<port>). The page, the terminal
// websocket and port links (HTTP and websockets) all pass through nginx.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { BehindNginx } from '../fixtures/behind-nginx.js';

// The app in the session: busybox nc serving its page (index.html) and, at /ws, a websocket echo server that
// greets with the cookies it got, echoes one text frame and closes with 1000 (app.sh's hostile answers are at
// paths this spec never asks for).
const fixture = (...p: string[]) => fs.readFileSync(path.join(import.meta.dirname, '..', ...p));
const app: Record<string, Buffer> = {
  'index.html': Buffer.from('<!doctype html><meta charset="utf-8"><title>An app behind nginx</title><h1>Served from the session</h1>\n'),
  'app.sh': fixture('fixtures', 'hostile-app', 'app.sh'),
  'websocket-echo.sh': fixture('..', 'server', 'test', 'fixtures', 'websocket-echo.sh'),
};

let site: BehindNginx;

test.beforeAll(async ({}, testInfo) => {
  testInfo.setTimeout(180_000);
  site = await BehindNginx.start();
});

test.afterAll(async () => {
  await site?.stop();
});

// The certificate is one the test made for localhost and *.ports.localhost: trusted by this browser only.
test.use({ ignoreHTTPSErrors: true });

test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('nginx error.log', { body: site.errorLog(), contentType: 'text/plain' });
});

async function typeInTerminal(page: Page, text: string) {
  await page.getByTestId('terminal').click();
  await page.keyboard.type(text);
}

test('through nginx over https: the page loads, a session starts, the terminal echoes, a port link opens at its own host name (HTTP and websocket) with a __Host- cookie, Berth sets no cookie', async ({ page, context }) => {
  test.setTimeout(300_000);
  const response = await page.goto(`${site.url}/`);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['server']).toMatch(/^nginx/);
  expect(page.url()).toBe(`${site.url}/`);

  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  const rows = page.getByTestId('terminal').locator('.xterm-rows');
  await typeInTerminal(page, 'echo through-nginx-$((6*7))\n');
  await expect(rows).toContainText('through-nginx-42');
  const sessionId = await page.evaluate(() => (JSON.parse(localStorage.getItem('berth.session') ?? '{}') as { id: string }).id);

  // The app's files, pasted (as the page's Ctrl+Shift+V does: typing kilobytes key by key takes minutes on a
  // busy host); Enter once the whole command is on screen (the page reads the clipboard asynchronously).
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.url });
  for (const [name, bytes] of Object.entries(app)) {
    const marker = `wrote-${name.replace(/\W/g, '')}`;
    const command = `mkdir -p ~/site && echo ${bytes.toString('base64')} | base64 -d > ~/site/${name} && echo ${marker}-$((40+2))`;
    await page.evaluate((text) => navigator.clipboard.writeText(text), command);
    await page.getByTestId('terminal').click();
    await page.keyboard.press('Control+Shift+V');
    await expect(rows).toContainText(command.slice(-60));
    await page.keyboard.press('Enter');
    await expect(rows).toContainText(`${marker}-42`, { timeout: 15_000 });
  }
  await typeInTerminal(page, 'docker run -d -p 8080:8080 -v ~/site:/www busybox nc -ll -p 8080 -e sh /www/app.sh\n');

  const link = page.getByTestId('port-8080');
  await expect(link).toBeVisible({ timeout: 90_000 });
  const [tab] = await Promise.all([context.waitForEvent('page'), link.click()]);
  const linkUrl = site.portLink(8080, sessionId);
  expect(linkUrl).toBe(`https://8080-${sessionId}.ports.localhost:${new URL(site.url).port}/`);
  // The tab opens blank and is sent to the link once the page has its ticket: a reload before then would
  // cancel that and leave it blank.
  await tab.waitForURL(linkUrl);
  await expect(async () => {
    try {
      await expect(tab, `the tab at ${tab.url()}`).toHaveTitle('An app behind nginx', { timeout: 1000 });
    } catch (err) {
      await tab.reload(); // the app was not answering yet: its port cookie is set, a reload asks again
      throw err;
    }
  }).toPass({ timeout: 30_000 });
  expect(tab.url()).toBe(linkUrl);

  // The link's pass: for that host only (__Host-: Secure, Path=/, no Domain), out of scripts' reach.
  const portCookies = await context.cookies(linkUrl);
  expect(portCookies.map(({ name, domain, path: p, secure, httpOnly, sameSite }) => ({ name, domain, path: p, secure, httpOnly, sameSite }))).toEqual([
    { name: '__Host-berth_port', domain: `8080-${sessionId}.ports.localhost`, path: '/', secure: true, httpOnly: true, sameSite: 'Lax' },
  ]);
  // Berth's own origin sets no cookie at all: the browser holds none for it.
  expect(await context.cookies(site.url)).toEqual([]);

  // The app's page opens its own websocket: wss through nginx to the session; Berth's pass does not reach the app.
  const talk = await tab.evaluate(
    () =>
      new Promise<{ messages: string[]; code: number }>((resolve) => {
        const ws = new WebSocket(`wss://${location.host}/ws`);
        const messages: string[] = [];
        ws.onmessage = (e) => {
          messages.push(String(e.data));
          if (messages.length === 1) ws.send('ping through nginx');
        };
        ws.onclose = (e) => resolve({ messages, code: e.code });
      }),
  );
  expect(talk).toEqual({ messages: ['hello from the sandbox; cookie: none; authorization: no; address: no', 'echo: ping through nginx'], code: 1000 });
});
