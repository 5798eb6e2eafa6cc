// The page holds at the widths people use: one header height whatever the width, the session's state and
// its ports; lesson and terminal both on screen; End asks first. A screenshot of each width is an artefact.
import { expect, test, type Page, type TestInfo } from '@playwright/test';

/** The header's one height at every width (3.5rem). */
const HEADER_BUDGET_PX = 56;
const PHONE_MAX = 799;

/** Width × a height such a screen has; 640 × 400 is a 1280 × 800 laptop at 200% zoom. */
const SCREENS: [number, number][] = [
  [360, 740],
  [390, 844],
  [640, 400],
  [768, 1024],
  [820, 1180],
  [1024, 768],
  [1280, 800],
  [1366, 768],
  [1536, 864],
  [1920, 1080],
  [2560, 1440],
];
const PORTS = [8081, 8082, 8083, 8084, 8085];

async function startSession(page: Page): Promise<void> {
  await page.goto('/lessons/first-container/run-hello');
  await expect(page.getByTestId('lesson')).toBeVisible();
  await page.getByTestId('start').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect(page.getByTestId('terminal').locator('.xterm-rows')).toContainText('$', { timeout: 15_000 });
}

async function headerHeight(page: Page): Promise<number> {
  return (await page.getByTestId('header').boundingBox())!.height;
}

/** The box must lie on screen, whole, and be big enough to use. */
async function expectOnScreen(page: Page, what: string, box: { x: number; y: number; width: number; height: number } | null, min: { width: number; height: number }) {
  const view = page.viewportSize()!;
  expect(box, `${what} is laid out`).not.toBeNull();
  const b = box!;
  expect.soft(b.x, `${what}: left edge on screen`).toBeGreaterThanOrEqual(0);
  expect.soft(b.y, `${what}: top edge on screen`).toBeGreaterThanOrEqual(0);
  expect.soft(b.x + b.width, `${what}: right edge on screen`).toBeLessThanOrEqual(view.width + 0.5);
  expect.soft(b.y + b.height, `${what}: bottom edge on screen`).toBeLessThanOrEqual(view.height + 0.5);
  expect.soft(b.width, `${what}: wide enough`).toBeGreaterThanOrEqual(min.width);
  expect.soft(b.height, `${what}: tall enough`).toBeGreaterThanOrEqual(min.height);
}

async function checkScreen(page: Page, testInfo: TestInfo, [width, height]: [number, number], ports: number) {
  await page.setViewportSize({ width, height });
  const header = page.getByTestId('header');
  // Laid out again (and the port row fitted to the new width) once the header's parts stop moving.
  await expect(async () => {
    const a = await header.evaluate((h) => [...h.children].map((c) => c.getBoundingClientRect().right).join());
    await page.waitForTimeout(100);
    const b = await header.evaluate((h) => [...h.children].map((c) => c.getBoundingClientRect().right).join());
    expect(a).toBe(b);
  }).toPass({ timeout: 5000 });
  const at = `${width}×${height}, ${ports} ports`;

  expect.soft(await headerHeight(page), `${at}: header height`).toBe(HEADER_BUDGET_PX);
  // Nothing in the header is cut off at its right end (End session at 820 px was): its last part is on screen.
  const overflow = await header.evaluate((h) => h.scrollWidth - h.clientWidth);
  expect.soft(overflow, `${at}: header overflows by`).toBeLessThanOrEqual(0);
  await expectOnScreen(page, `${at}: menu button`, await page.getByTestId('menu').boundingBox(), { width: 24, height: 24 });
  if (width > 1023) await expectOnScreen(page, `${at}: End session`, await page.getByTestId('end').boundingBox(), { width: 40, height: 24 });

  const lesson = page.getByRole('complementary', { name: 'Lesson' });
  await expectOnScreen(page, `${at}: lesson`, await lesson.boundingBox(), { width: 200, height: 120 });
  await expectOnScreen(page, `${at}: terminal`, await page.getByTestId('terminal').boundingBox(), { width: 240, height: 120 });
  if (width <= PHONE_MAX) await expectOnScreen(page, `${at}: key bar`, await page.getByTestId('keybar').boundingBox(), { width: 200, height: 30 });
  // One scroll area: the page itself does not scroll (the lesson does, inside).
  const pageScroll = await page.evaluate(() => document.scrollingElement!.scrollHeight - window.innerHeight);
  expect.soft(pageScroll, `${at}: the page scrolls by`).toBeLessThanOrEqual(0);

  if (ports) {
    // Every port is reachable: in the row, or behind "+N".
    const nav = page.getByTestId('ports');
    const shown = Number(await nav.getAttribute('data-shown'));
    expect.soft(await nav.locator('a[data-testid^="port-"]').count(), `${at}: links in the row`).toBe(shown);
    expect.soft(await page.getByTestId('ports-popover').locator('a[data-testid^="port-"]').count(), `${at}: links behind +N`).toBe(ports - shown);
    if (shown < ports) await expect(page.getByTestId('ports-more')).toBeVisible();
  }

  const shot = await page.screenshot();
  await testInfo.attach(`layout-${width}px-${ports}-ports.png`, { body: shot, contentType: 'image/png' });
  const { writeFile } = await import('node:fs/promises');
  await writeFile(testInfo.outputPath(`layout-${width}px-${ports}-ports.png`), shot);
}

test('at every width from 360 to 2560 px (and 200% zoom), with 0 and 5 ports, the header keeps one height and lesson and terminal are on screen', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/lessons/first-container/run-hello');
  await expect(page.getByTestId('lesson')).toBeVisible();
  const before = await headerHeight(page);
  expect(before).toBe(HEADER_BUDGET_PX);
  await startSession(page);
  expect(await headerHeight(page), 'the header does not grow when a session runs').toBe(before);

  for (const screen of SCREENS) await checkScreen(page, testInfo, screen, 0);
  // A fresh session has opened no port, and shows none (Berth's own DNS helper listens on one: never listed).
  await expect(page.getByTestId('ports')).toHaveCount(0);

  // Five servers in the shell: their links come one look after another, and the header never moves.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByTestId('terminal').click();
  await page.keyboard.type(`for p in ${PORTS.join(' ')}; do (sleep 900 | nc -lk $p >/dev/null 2>&1 &); done; echo listening-$((2+3))\n`);
  await expect(page.getByTestId('terminal').locator('.xterm-rows')).toContainText('listening-5');
  const heights = new Set<number>();
  await expect(async () => {
    heights.add(await headerHeight(page));
    await expect(page.getByTestId('ports')).toHaveAttribute('data-count', String(PORTS.length), { timeout: 100 });
  }).toPass({ timeout: 30_000, intervals: [50] });
  expect([...heights], 'header heights seen while the ports appeared').toEqual([HEADER_BUDGET_PX]);

  for (const screen of SCREENS) await checkScreen(page, testInfo, screen, PORTS.length);
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready');
});

test('End asks first: Cancel keeps the session, Yes ends it; on a phone End is in the menu, apart from Restart shell', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await startSession(page);
  const status = page.getByTestId('status');

  await page.getByTestId('end').click();
  await expect(page.getByTestId('end-confirmation')).toContainText('End and delete everything?');
  await expect(page.getByTestId('end-cancel')).toBeFocused();
  await page.getByTestId('end-cancel').click();
  await expect(page.getByTestId('end-confirmation')).toHaveCount(0);
  await expect(page.getByTestId('end')).toBeFocused();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('end-confirmation')).toHaveCount(0);
  await page.waitForTimeout(1000);
  await expect(status).toHaveAttribute('data-state', 'ready');

  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByTestId('end')).toBeHidden();
  await page.getByTestId('menu').click();
  const restart = await page.getByTestId('restart-shell').boundingBox();
  const end = await page.getByTestId('end').boundingBox();
  expect(restart && end).toBeTruthy();
  expect(end!.y - (restart!.y + restart!.height), 'space between Restart shell and End session').toBeGreaterThanOrEqual(40);
  await page.getByTestId('end').click();
  await expect(status).toHaveAttribute('data-state', 'ready');
  await page.getByTestId('end-confirm').click();
  await expect(status).toHaveAttribute('data-state', 'ended');
  await expect(status).toContainText('you ended the session');
});

test('the splitter and the terminal text size are set by mouse or keyboard and kept after a reload', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await startSession(page);
  const lesson = page.getByRole('complementary', { name: 'Lesson' });
  const splitter = page.getByTestId('splitter');
  const widthOf = async () => (await lesson.boundingBox())!.width;

  const start = await widthOf();
  await splitter.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect.poll(widthOf).toBeCloseTo(start + 48, 0);
  await page.keyboard.press('ArrowLeft');
  await expect.poll(widthOf).toBeCloseTo(start + 24, 0);

  const bar = (await splitter.boundingBox())!;
  await page.mouse.move(bar.x + bar.width / 2, 400);
  await page.mouse.down();
  await page.mouse.move(bar.x + bar.width / 2 + 100, 400, { steps: 5 });
  await page.mouse.up();
  await expect.poll(widthOf).toBeCloseTo(start + 124, 0);
  // The terminal keeps its room: dragging far right stops short of it.
  await page.mouse.move(bar.x + 100 + bar.width / 2, 400);
  await page.mouse.down();
  await page.mouse.move(1270, 400, { steps: 5 });
  await page.mouse.up();
  await expectOnScreen(page, 'terminal after a drag to the right', await page.getByTestId('terminal').boundingBox(), { width: 320, height: 300 });
  await splitter.focus();
  await page.keyboard.press('Home');
  const narrowest = await widthOf();
  await page.keyboard.press('ArrowRight');

  const rows = page.getByTestId('terminal').locator('.xterm-rows');
  const fontSize = () => rows.evaluate((el) => getComputedStyle(el).fontSize);
  await expect.poll(fontSize).toBe('14px');
  await page.getByTestId('menu').click();
  await page.getByTestId('font-larger').click();
  await page.getByTestId('font-larger').click();
  await expect(page.getByTestId('font-size')).toHaveText('16 px');
  await expect.poll(fontSize).toBe('16px');

  await page.reload();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 15_000 });
  await expect.poll(fontSize).toBe('16px');
  await expect.poll(widthOf).toBeCloseTo(narrowest + 24, 0);
});
