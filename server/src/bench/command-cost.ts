// What one command typed at the prompt costs the host (issue 16: a class of 60 typing a command every 2 s
// each saturates a 2-core host). One terminal runs a builtin (`echo`) again and again, each after the last
// one's prompt; the host's CPU time meanwhile (every process: the engine's exec stream and its shim, the
// sandbox's shell and its hooks, this server) and this server's own, per command.
import type { Berth } from '../app.js';
import { createSession, TerminalClient } from '../tools/terminal-client.js';
import { cpuTimes, type Row } from './bench-table.js';
import { processTicks, ticksByName } from './process-cpu.js';
import { COMMANDS_PER_S } from '../terminal/command-budget.js';

const COMMANDS = 100;
// Paced under the terminal's command budget, so each is handled whole (an event, a lesson evaluation), not dropped.
const PACE_MS = 1000 / COMMANDS_PER_S + 20;
const TICKS_PER_MS = 100 / 1000; // /proc/stat counts in USER_HZ (100 a second)

/** path: which way the app's shells reach their sandboxes, named in the rows. */
export async function commandCost(berth: Berth, url: string, rows: Row[], path: string): Promise<void> {
  const s = await createSession({ url });
  const term = await TerminalClient.connect({ url }, s);
  try {
    await term.ready(120_000);
    await new Promise((r) => setTimeout(r, 3000)); // the sandbox settles after its start
    const idleFrom = cpuTimes();
    await new Promise((r) => setTimeout(r, 5000));
    const idle = cpuTimes();
    const procs0 = processTicks();
    const host0 = cpuTimes();
    const server0 = process.cpuUsage();
    let ms = 0;
    for (let i = 0; i < COMMANDS; i++) {
      const t0 = performance.now();
      await term.run('echo working');
      const took = performance.now() - t0;
      ms += took;
      await new Promise((r) => setTimeout(r, Math.max(0, PACE_MS - took)));
    }
    const server = process.cpuUsage(server0);
    const host = cpuTimes();
    const procs = processTicks();
    // The host's own background (the idle sandbox, other daemons) over the same time is taken off.
    const background = ((idle.busy - idleFrom.busy) / (idle.total - idleFrom.total)) * (host.total - host0.total);
    const hostMs = (host.busy - host0.busy - background) / TICKS_PER_MS / COMMANDS;
    const serverMs = (server.user + server.system) / 1000 / COMMANDS;
    rows.push({
      what: `one command at the prompt (\`echo\`, ${COMMANDS}, one each ${PACE_MS} ms), ${path}: host CPU per command (all processes, background taken off) / of it this server's / Enter to the next prompt`,
      figure: `${hostMs.toFixed(1)} / ${serverMs.toFixed(1)} / ${(ms / COMMANDS).toFixed(1)} ms`,
      target: '30 a second (a class of 60) within 2 cores: ≤ 33 ms',
    });
    const top = ticksByName(procs0, procs).slice(0, 6);
    rows.push({
      what: `where one command's CPU goes, by process (a shell's forks counted in the shell), ${path}`,
      figure: top.map(([name, t]) => `${name} ${(t / TICKS_PER_MS / COMMANDS).toFixed(1)}`).join(', ') + ' ms',
      target: '-',
    });
  } finally {
    await term.close();
    await berth.sessions.end(s.id, 'ended-by-user');
  }
}
