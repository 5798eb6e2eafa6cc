// The first load measured as a browser gets it on a slow classroom link: Debian's Chromium, its network
// emulated at 1.6 Mbit/s down with 40 ms of latency, opens Berth's page until Start can be pressed. Then a
// return visit in the same browser: hashed files come from its cache without asking (immutable), so only
// index.html crosses the link again.
import { launchChromium } from './bench-chromium.js';
import { type Row } from './bench-table.js';

const DOWN_BITS_PER_S = 1.6e6;
const UP_BITS_PER_S = 0.75e6;
const LATENCY_MS = 40;

interface Visit {
  ms: number;
  bytes: number;
}

export async function firstLoadInBrowser(url: string, rows: Row[]): Promise<void> {
  const what = 'first load in Chromium at 1.6 Mbit/s, 40 ms: until Start can be pressed';
  const browser = await launchChromium(what, rows);
  if (!browser) return;
  try {
    const page = await (await browser.newContext()).newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: LATENCY_MS,
      downloadThroughput: DOWN_BITS_PER_S / 8,
      uploadThroughput: UP_BITS_PER_S / 8,
    });
    // A visit's bytes: the requests it sent until Start could be pressed, counted once they finished; the
    // page settles before the next visit, so a late answer of one is never counted in the other.
    const visit = async (): Promise<Visit> => {
      const sent = new Set<string>();
      let counting = true;
      let bytes = 0; // what crossed the link (a file from the cache adds nothing)
      const onSent = (e: { requestId: string }) => void (counting && sent.add(e.requestId));
      const onFinished = (e: { requestId: string; encodedDataLength: number }) => void (sent.has(e.requestId) && (bytes += e.encodedDataLength));
      cdp.on('Network.requestWillBeSent', onSent);
      cdp.on('Network.loadingFinished', onFinished);
      const started = performance.now();
      await page.goto(url, { waitUntil: 'commit' });
      await page.getByTestId('start').waitFor({ state: 'visible', timeout: 60_000 });
      const ms = performance.now() - started;
      counting = false;
      await page.waitForLoadState('networkidle');
      cdp.off('Network.requestWillBeSent', onSent);
      cdp.off('Network.loadingFinished', onFinished);
      return { ms, bytes };
    };
    const first = await visit();
    const again = await visit();
    const say = (v: Visit) => `${(v.ms / 1000).toFixed(2)} s, ${(v.bytes / 1024).toFixed(1)} KB over the link`;
    rows.push({ what: `${what}, first visit`, figure: say(first), target: '-' });
    rows.push({ what: `${what}, return visit (hashed files cached)`, figure: say(again), target: '-' });
  } finally {
    await browser.close();
  }
}
