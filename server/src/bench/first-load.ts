// The page's first load as a classroom's Wi-Fi sees it: every file the page asks for before its terminal
// appears (index.html, its scripts, styles and icon), fetched from the running server with and without
// compression. The time is computed from the bytes at 1.6 Mbit/s (no latency, no TCP slow start): a floor,
// not a measurement of a real network.
import { get } from 'node:http';
import { type Row } from './bench-table.js';

const LINK_BITS_PER_S = 1.6e6;
const JS_BUDGET_BYTES = 300 * 1024;

interface Fetched {
  bytes: number;
  encoding: string;
  body: Buffer;
}

function fetchRaw(url: string, acceptEncoding: string): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'accept-encoding': acceptEncoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`${url}: HTTP ${res.statusCode}`));
        const body = Buffer.concat(chunks);
        resolve({ bytes: body.length, encoding: String(res.headers['content-encoding'] ?? 'identity'), body });
      });
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** The files index.html loads at once: module scripts, preloads, stylesheets and the icon. */
function firstLoadFiles(html: string): string[] {
  const refs = [...html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
  return [...new Set(refs)];
}

async function load(url: string, acceptEncoding: string) {
  const page = await fetchRaw(`${url}/`, acceptEncoding);
  // The links are read from the plain page (a compressed one would need decoding first).
  const html = (await fetchRaw(`${url}/`, 'identity')).body.toString('utf8');
  const files = await Promise.all(firstLoadFiles(html).map(async (f) => ({ file: f, ...(await fetchRaw(`${url}${f}`, acceptEncoding)) })));
  const js = files.filter((f) => /\.m?js$/.test(f.file)).reduce((a, f) => a + f.bytes, 0);
  const total = page.bytes + files.reduce((a, f) => a + f.bytes, 0);
  const encodings = [...new Set([page, ...files].map((f) => f.encoding))].join('+');
  return { js, total, files: files.length + 1, encodings };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const seconds = (bytes: number) => `${((bytes * 8) / LINK_BITS_PER_S).toFixed(2)} s`;

export async function firstLoadBench(url: string, rows: Row[]): Promise<void> {
  const page = await fetchRaw(`${url}/`, 'identity').catch((err: Error) => err);
  if (page instanceof Error) {
    rows.push({ what: 'first load before the terminal', figure: `not measured: ${page.message} (build the page: npm run build)`, target: '-' });
    return;
  }
  const plain = await load(url, 'identity');
  const compressed = await load(url, 'br, gzip');
  const gzip = await load(url, 'gzip');
  rows.push({
    what: `first load before the terminal, uncompressed (baseline): JS / all ${plain.files} files`,
    figure: `${kb(plain.js)} / ${kb(plain.total)}; ${seconds(plain.total)} at 1.6 Mbit/s (computed)`,
    target: '-',
  });
  rows.push({
    what: `first load, gzip only (older browsers): JS / all ${gzip.files} files (${gzip.encodings})`,
    figure: `${kb(gzip.js)} / ${kb(gzip.total)}; ${seconds(gzip.total)} at 1.6 Mbit/s (computed)`,
    target: `JS ≤ ${kb(JS_BUDGET_BYTES)} (issue 13)`,
  });
  rows.push({
    what: `first load, as a browser gets it: JS / all ${compressed.files} files (${compressed.encodings})`,
    figure: `${kb(compressed.js)} / ${kb(compressed.total)}; ${seconds(compressed.total)} at 1.6 Mbit/s (computed)`,
    target: `JS ≤ ${kb(JS_BUDGET_BYTES)} (issue 13)`,
  });
}
