// Takes the README's screenshots of the engine view and the editor from a real Berth and a real sandbox:
//   node --import tsx docs/screenshots/take-screenshots.ts
// (after `npm start` has prepared the host once; it runs a Berth server of its own on port 8291).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';

const repo = path.resolve(import.meta.dirname, '..', '..');
const port = 8291;
const url = `http://127.0.0.1:${port}`;

async function until(what: string, check: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function type(page: Page, line: string, marker: string): Promise<void> {
  await page.getByTestId('terminal').click();
  await page.keyboard.type(`${line}; echo ${marker}-$((1+1))\n`);
  await page.getByTestId('terminal').locator('.xterm-rows').getByText(`${marker}-2`).first().waitFor({ timeout: 180_000 });
}

const server = spawn(process.execPath, ['--import', 'tsx', 'server/src/server.ts'], {
  cwd: repo,
  env: { ...process.env, BERTH_PORT: String(port), BERTH_PORTS_PORT: String(port + 100), BERTH_HOST: '127.0.0.1', BERTH_INSTANCE: 'docs', BERTH_POOL_SIZE: '0', BERTH_ON_STOP: 'end-sessions', BERTH_LOG_LEVEL: 'warn' },
  stdio: 'inherit',
});
const browser = await chromium.launch({ executablePath: process.env.BERTH_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  await until('the server', async () => (await fetch(`${url}/api/health`)).ok);
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  await page.goto(`${url}/lessons/layers/compare-layers`);
  await page.getByTestId('start').click();
  await page.getByTestId('status').and(page.locator('[data-state="ready"]')).waitFor({ timeout: 60_000 });
  // Several images sharing debian's layer; containers on two networks, one with a volume.
  await type(
    page,
    `docker pull -q debian:bookworm >/dev/null && docker pull -q nginx >/dev/null && mkdir -p ~/demo && printf 'FROM debian:bookworm\\nRUN apt-get --version > /apt.txt\\nCMD ["cat", "/apt.txt"]\\n' > ~/demo/Dockerfile && docker build -q -t demo ~/demo >/dev/null && ` +
      `docker network create front >/dev/null && docker network create back >/dev/null && docker volume create pages >/dev/null && ` +
      `docker run -d --name web --network front -p 8080:80 -v pages:/usr/share/nginx/html nginx >/dev/null && docker network connect back web && ` +
      `docker run -d --name worker --network back demo sleep 1d >/dev/null && docker create --name once demo >/dev/null && clear`,
    'ready',
  );
  await page.getByTestId('engine-view').locator('[data-testid="container"][data-name="worker"]').waitFor();
  await page.waitForTimeout(2500); // the change highlight fades
  await page.screenshot({ path: path.join(repo, 'docs', 'screenshots', 'engine-view.png') });

  await page.goto(`${url}/lessons/dockerfile/write-dockerfile`);
  await page.getByTestId('editor').locator('.cm-content').waitFor({ timeout: 30_000 });
  await page.getByTestId('editor').locator('.cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('FROM busybox\nRUN mkdir /www && date > /www/built.txt\nCOPY index.html /www/index.html\nEXPOSE 8000\nCMD httpd -f -v -p 8000 -h /www\n');
  await page.keyboard.press('Control+s');
  await page.getByTestId('files-message').waitFor();
  await type(page, 'cd ~/hello && cat Dockerfile', 'shown');
  await page.screenshot({ path: path.join(repo, 'docs', 'screenshots', 'editor.png') });
} finally {
  await browser.close();
  server.kill('SIGTERM');
  await new Promise((r) => server.once('close', r));
}
