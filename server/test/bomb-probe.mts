import { startTestServer, createSession, TerminalClient } from './helpers.js';
const server = await startTestServer({ BERTH_SESSION_MEMORY: '512m', BERTH_TERMINAL: process.env.PROBE_TERMINAL ?? 'server' });
const s = await createSession(server);
const term = await TerminalClient.connect(server, s);
await term.ready(60_000);
const rt = server.berth.runtime;
const t0 = Date.now();
const log = async (what: string) => console.log(((Date.now() - t0) / 1000).toFixed(1), what, JSON.stringify(await rt.limitHits(s.id).catch((e) => String(e))));
term.type('bomb(){ bomb | bomb & }; bomb\r');
await term.waitForEvent((e) => e.type === 'error' && /process limit/.test((e as any).message), 60_000, 'limit');
await log('told');
const screen = term.text.length;
term.restartShell();
for (let i = 0; i < 40; i++) {
  await new Promise((r) => setTimeout(r, 500));
  await log(/here is a new one[^]*\$ $/.test(term.text.slice(screen)) ? 'PROMPT' : 'waiting');
  if (/here is a new one[^]*\$ $/.test(term.text.slice(screen))) break;
}
console.log(term.text.slice(screen).slice(-1500));
await term.close();
await server.close();
