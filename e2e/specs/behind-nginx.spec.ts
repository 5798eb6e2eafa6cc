// Berth behind a TLS reverse proxy, as a public site runs it: Debian's nginx with docs/deploy/nginx.conf in
// front of a Berth server with BERTH_PUBLIC_URL=https://localhost:<port> and BERTH_TRUST_PROXY. The page,
// the terminal websocket and port links (HTTP and websockets) all pass through nginx.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { BehindNginx } from '../fixtures/behind-nginx.js';

/** A websocket server in busybox sh (nc -e): greets, echoes one text frame, closes with 1000. */
const echoServer = fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'server', 'test', 'fixtures', 'websocket-echo.sh')).toString('base64');

let site: BehindNginx;

test.beforeAll(async ({}, testInfo) => {
  testInfo.setTimeout(180_000);
  site = await BehindNginx.start();
});

test.afterAll(async () => {
  await site?.stop();
});

// The certificate is one the test made for localhost: trusted by this browser only.
test.use({ ignoreHTTPSErrors: true });

test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('nginx error.log', { body: site.errorLog(), contentType: 'text/plain' });
});

async function typeInTerminal(page: Page, text: string) {
  await page.getByTestId('terminal').click();
  await page.keyboard.type(text);
}

test('through nginx over https: the page loads, a session starts, the terminal echoes, a port link opens (HTTP and websocket), cookies are __Host- and Secure', async ({ page, context }) => {
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

  const cookies = await context.cookies(site.url);
  expect(cookies.map((c) => c.name).sort()).toEqual(['__Host-berth_learner', '__Host-berth_session']);
  for (const c of cookies) {
    expect(c.secure, c.name).toBe(true);
    expect(c.httpOnly, c.name).toBe(true);
    expect(c.path, c.name).toBe('/');
    expect(c.domain, c.name).toBe('localhost');
  }

  // A port link: nginx's own welcome page from a container in the session, through the proxy.
  await typeInTerminal(page, 'docker run -d -p 8080:80 nginx\n');
  const link = page.getByTestId('port-8080');
  await expect(link).toBeVisible({ timeout: 90_000 });
  const [tab] = await Promise.all([context.waitForEvent('page'), link.click()]);
  await expect(async () => {
    await tab.reload();
    await expect(tab).toHaveTitle('Welcome to nginx!', { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  expect(tab.url()).toMatch(new RegExp(`^${site.url}/s/[a-z0-9]{9}/ports/8080/$`));
  const sessionId = new URL(tab.url()).pathname.split('/')[2]!;

  // A websocket app on another port, opened from the port link's page: wss through nginx to the session.
  // Pasted (as the page's Ctrl+Shift+V does): typing 1.5 KB key by key takes minutes on a busy host.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.url });
  await page.evaluate((text) => navigator.clipboard.writeText(text), `docker run -d -p 8765:8765 busybox sh -c 'echo ${echoServer} | base64 -d > /ws.sh && exec nc -ll -p 8765 -e sh /ws.sh'`);
  await page.getByTestId('terminal').click();
  await page.keyboard.press('Control+Shift+V');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('port-8765')).toBeVisible({ timeout: 90_000 });
  const wsUrl = `${site.url.replace('https:', 'wss:')}/s/${sessionId}/ports/8765/`;
  await expect(async () => {
    const talk = await tab.evaluate(
      (url) =>
        new Promise<{ messages: string[]; code: number }>((resolve) => {
          const ws = new WebSocket(url);
          const messages: string[] = [];
          ws.onmessage = (e) => {
            messages.push(String(e.data));
            if (messages.length === 1) ws.send('ping through nginx');
          };
          ws.onclose = (e) => resolve({ messages, code: e.code });
        }),
      wsUrl,
    );
    expect(talk).toEqual({ messages: ['hello from the sandbox; credentials seen: 0', 'echo: ping through nginx'], code: 1000 });
  }).toPass({ timeout: 30_000 });
});
