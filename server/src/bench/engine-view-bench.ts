// The engine view's figures (issue 14): from a command's end (its prompt back) to the picture that shows its
// change, over a lesson-like run of commands; and what one watched session costs the Berth process.
import { ENGINE_VIEW_PATH, type EngineViewMessage } from '@berth/shared';
import WebSocket from 'ws';
import type { Berth } from '../app.js';
import { createSession, TerminalClient } from '../tools/terminal-client.js';
import { pct, type Row } from './bench-table.js';

const COMMANDS = [
  'docker run -d --name web -p 8080:80 nginx',
  'docker stop -t 0 web',
  'docker start web',
  'docker rm -f web',
  'docker network create appnet',
  'docker volume create data',
  'docker run -d --name box --network appnet -v data:/data busybox sleep 600',
  'docker rm -f box',
  'docker network rm appnet',
  'docker volume rm data',
  'docker tag nginx mine:1',
  'docker rmi mine:1',
];
const ROUNDS = 3;

export async function engineViewBench(berth: Berth, url: string, rows: Row[]): Promise<void> {
  const s = await createSession({ url });
  const term = await TerminalClient.connect({ url }, s);
  await term.ready();
  const pictures: { at: number; message: EngineViewMessage }[] = [];
  const ws = new WebSocket(`${url.replace('http', 'ws')}${ENGINE_VIEW_PATH(s.id)}?token=${encodeURIComponent(s.token)}`);
  ws.on('message', (data) => pictures.push({ at: performance.now(), message: JSON.parse(String(data)) as EngineViewMessage }));
  try {
    await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));
    await term.run('docker pull -q nginx >/dev/null; docker pull -q busybox >/dev/null', 120_000);
    const waitPicture = async (after: number, timeoutMs: number) => {
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        const p = pictures.find((m) => m.at > after && m.message.changes.length);
        if (p) return p.at;
        await new Promise((r) => setTimeout(r, 5));
      }
      return undefined;
    };
    await waitPicture(0, 10_000);
    const latencies: number[] = [];
    let missed = 0;
    const cpu = process.cpuUsage();
    const since = performance.now();
    for (let round = 0; round < ROUNDS; round++) {
      for (const command of COMMANDS) {
        await term.run(`${command} >/dev/null`, 60_000);
        const ended = performance.now();
        const drawn = await waitPicture(ended - 1, 5000);
        if (drawn === undefined) missed += 1;
        else latencies.push(drawn - ended);
        await new Promise((r) => setTimeout(r, 150)); // the next command after the picture settled
      }
    }
    const used = process.cpuUsage(cpu);
    const elapsed = performance.now() - since;
    rows.push({
      what: `engine view: command end to picture changed (${latencies.length} commands${missed ? `, ${missed} not drawn within 5 s` : ''}), p50 / p95`,
      figure: `${Math.round(pct(latencies, 50))} / ${Math.round(pct(latencies, 95))} ms`,
      target: 'within 500 ms (issue 14)',
    });
    rows.push({
      what: 'engine view: Berth process CPU while one watched session ran those commands (bench client in the same process)',
      figure: `${(((used.user + used.system) / 1000 / elapsed) * 100).toFixed(1)}% of a core over ${(elapsed / 1000).toFixed(0)} s; ${pictures.length} pictures sent`,
      target: '-',
    });
  } finally {
    ws.close();
    await term.close();
    await berth.sessions.end(s.id, 'ended-by-user');
  }
}
