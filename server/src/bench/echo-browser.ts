// Keystroke echo as a browser sees it (issue 16): Debian's Chromium types into Berth's real page, one key at a
// time, and the page itself times each key from its keydown to the terminal's rows changing on screen, split
// into where the time goes: the page sending it, the round trip to the sandbox and back (websocket send to
// the echo's message), and the terminal drawing it (message to the rows changed).
import { launchChromium } from './bench-chromium.js';
import { type Row, pct } from './bench-table.js';

const KEYS = 100;

interface Timing {
  key: number;
  sent: number;
  echoed: number;
  drawn: number;
}

declare global {
  interface Window {
    __echo?: { key: number; sent: number; echoed: number; drawn: number };
  }
}

/**
 * Runs in the page before Berth's scripts: notes when a key goes down, leaves, comes back and is drawn. Plain
 * JavaScript in a string: a function would be sent as its compiled text, with helpers the page lacks.
 */
const INSTRUMENT_PAGE = `(() => {
  const now = () => performance.now();
  const heard = new WeakSet();
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    const e = window.__echo;
    if (e && !e.sent && typeof data === 'string' && data.includes('"input"')) e.sent = now();
    if (!heard.has(this)) {
      heard.add(this);
      this.addEventListener('message', () => {
        const e = window.__echo;
        if (e && e.sent && !e.echoed) e.echoed = now();
      });
    }
    return send.call(this, data);
  };
  // Only the terminal's rows: the rest of the page (a clock, a status line) changes on its own.
  const drawn = new MutationObserver(() => {
    const e = window.__echo;
    if (e && e.echoed && !e.drawn) e.drawn = now();
  });
  const watched = new WeakSet();
  document.addEventListener('keydown', (ev) => {
    window.__echo = { key: now(), sent: 0, echoed: 0, drawn: 0 };
    const rows = ev.target && ev.target.closest ? ev.target.closest('.xterm')?.querySelector('.xterm-rows') : null;
    if (rows && !watched.has(rows)) {
      watched.add(rows);
      drawn.observe(rows, { subtree: true, childList: true, characterData: true });
    }
  }, true);
})();`;

export async function echoInBrowser(url: string, rows: Row[], path: string): Promise<void> {
  const what = `keystroke echo seen in Chromium typing into the page, idle host, p50 / p99 (${KEYS} keys), ${path}`;
  const browser = await launchChromium(what, rows);
  if (!browser) return;
  try {
    const page = await (await browser.newContext()).newPage();
    await page.addInitScript({ content: INSTRUMENT_PAGE });
    await page.goto(url);
    await page.getByTestId('start').click();
    await page.getByTestId('status').and(page.locator('[data-state="ready"]')).waitFor({ timeout: 120_000 });
    await page.getByTestId('terminal').click();
    await page.keyboard.type('cat\n');
    await page.waitForTimeout(1000);
    const timings: Timing[] = [];
    for (let i = 0; i < KEYS; i++) {
      await page.keyboard.press(String.fromCharCode(97 + (i % 26)));
      const t = await page
        .waitForFunction(() => (window.__echo?.drawn ? window.__echo : null), null, { timeout: 5000, polling: 5 })
        .then((h) => h.jsonValue())
        .catch(async (err: Error) => {
          throw new Error(`key ${i}: no echo drawn (${JSON.stringify(await page.evaluate(() => window.__echo))}): ${err.message}`);
        });
      timings.push(t as Timing);
      // Keys a person types land anywhere in the screen's frame, not in step with it.
      await page.waitForTimeout(40 + Math.random() * 60);
    }
    await page.keyboard.press('Control+C');
    const of = (f: (t: Timing) => number) => {
      const xs = timings.map(f);
      return `${pct(xs, 50).toFixed(1)} / ${pct(xs, 99).toFixed(1)}`;
    };
    rows.push({ what, figure: `${of((t) => t.drawn - t.key)} ms`, target: 'p50 ≤ 3 ms (issue 16)' });
    rows.push({ what: '  of it: keydown to the websocket send', figure: `${of((t) => t.sent - t.key)} ms`, target: '-' });
    rows.push({ what: '  of it: send to the echo arriving (server, sandbox, back)', figure: `${of((t) => t.echoed - t.sent)} ms`, target: '-' });
    rows.push({ what: '  of it: echo arriving to the terminal rows drawn', figure: `${of((t) => t.drawn - t.echoed)} ms`, target: '-' });
  } finally {
    await browser.close();
  }
}
