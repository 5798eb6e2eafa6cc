// Debian's Chromium for the bench parts that measure what a browser sees; when it cannot be had, the row
// says why instead of a figure.
import type { Browser } from 'playwright-core';
import type { Row } from './bench-table.js';

export async function launchChromium(what: string, rows: Row[]): Promise<Browser | null> {
  const chromium = await import('playwright-core').then((m) => m.chromium).catch(() => null);
  if (!chromium) {
    rows.push({ what, figure: 'not measured: playwright-core is not installed', target: '-' });
    return null;
  }
  const browser = await chromium
    .launch({ executablePath: process.env.BERTH_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] })
    .catch((err: Error) => err);
  if (!(browser instanceof Error)) return browser;
  rows.push({ what, figure: `not measured: ${browser.message.split('\n')[0]}`, target: '-' });
  return null;
}
