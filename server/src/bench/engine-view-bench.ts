// The engine view's figures (issue 14): from a command's end (its prompt back) to the picture that shows its
// change, over a lesson-like run of commands; and what one watched session costs the Berth process, beside
// the same commands run with nobody watching (the baseline, measured in the same run).
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
const IDLE_MS = 10_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** CPU of this process (share of one core) and its wall time while fn ran. */
async function processCpu(fn: () => Promise<void>): Promise<{ share: number; seconds: number }> {
  const cpu = process.cpuUsage();
  const since = performance.now();
  await fn();
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - since;
  return { share: (used.user + used.system) / 1000 / ms, seconds: ms / 1000 };
}

export async function engineViewBench(berth: Berth, url: string, rows: Row[]): Promise<void> {
  const s = await createSession({ url });
  const term = await TerminalClient.connect({ url }, s);
  await term.ready();
  const pictures: { at: number; message: EngineViewMessage }[] = [];
  let ws: WebSocket | undefined;
  try {
    await term.run('docker pull -q nginx >/dev/null; docker pull -q busybox >/dev/null', 120_000);
    const runAll = async (each: (started: number, ended: number) => Promise<void>) => {
      for (let round = 0; round < ROUNDS; round++) {
        for (const command of COMMANDS) {
          const started = performance.now();
          await term.run(`${command} >/dev/null`, 60_000);
          await each(started, performance.now());
          await sleep(150); // the next command after the picture settled
        }
      }
    };

    // Baseline: the same commands, nobody watching.
    const unwatchedIdle = await processCpu(() => sleep(IDLE_MS));
    const unwatched = await processCpu(() => runAll(async () => {}));

    ws = new WebSocket(`${url.replace('http', 'ws')}${ENGINE_VIEW_PATH(s.id)}?token=${encodeURIComponent(s.token)}`);
    ws.on('message', (data) => pictures.push({ at: performance.now(), message: JSON.parse(String(data)) as EngineViewMessage }));
    await new Promise<void>((resolve, reject) => (ws!.once('open', () => resolve()), ws!.once('error', reject)));
    while (!pictures.length) await sleep(5);

    // A picture that came while the command still ran (the prompt after it) was drawn before the learner could look: 0 ms.
    const latencies: number[] = [];
    let missed = 0;
    const watched = await processCpu(() =>
      runAll(async (started, ended) => {
        const deadline = performance.now() + 5000;
        for (;;) {
          const p = pictures.find((m) => m.at > started && m.message.changes.length);
          if (p) return void latencies.push(Math.max(0, p.at - ended));
          if (performance.now() > deadline) return void (missed += 1);
          await sleep(5);
        }
      }),
    );
    const watchedIdle = await processCpu(() => sleep(IDLE_MS));
    const lastPicture = JSON.stringify(pictures.at(-1)?.message.picture ?? {});

    rows.push({
      what: `engine view: command end to picture changed (${latencies.length} commands${missed ? `, ${missed} not drawn within 5 s` : ''}), p50 / p95 / max`,
      figure: `${Math.round(pct(latencies, 50))} / ${Math.round(pct(latencies, 95))} / ${Math.round(Math.max(...latencies))} ms`,
      target: 'within 500 ms (issue 14)',
    });
    const pct1 = (x: number) => `${(x * 100).toFixed(1)}%`;
    rows.push({
      what: `engine view: Berth process CPU over the ${COMMANDS.length * ROUNDS} commands, watched (baseline: nobody watching; bench client in the same process)`,
      figure: `${pct1(watched.share)} of a core (baseline ${pct1(unwatched.share)}); ${pictures.length} pictures sent`,
      target: '-',
    });
    rows.push({
      what: `engine view: Berth process CPU with one watched session idle for ${IDLE_MS / 1000} s (baseline: nobody watching)`,
      figure: `${pct1(watchedIdle.share)} of a core (baseline ${pct1(unwatchedIdle.share)}); the picture the server keeps for it: ${(lastPicture.length / 1024).toFixed(1)} KiB of JSON`,
      target: '-',
    });
  } finally {
    ws?.close();
    await term.close();
    await berth.sessions.end(s.id, 'ended-by-user');
  }
}
