// `berth stop [--end-sessions]`: asks the instance's running server to stop, keeping its sessions for the
// next start or ending them all; with no server running, --end-sessions ends the sessions it left itself.
import { createSandboxRuntime } from '../app.js';
import type { Config } from '../config.js';
import { consoleLog, openStores } from '../store/stores.js';
import { claimInstance, requestStop } from './instance-control.js';

export async function stopInstance(config: Config, endSessions: boolean, say: (line: string) => void): Promise<number> {
  const running = await requestStop(config, endSessions, (a) => {
    if (a.type === 'stopping') say(a.endSessions ? 'the server is ending every session and stopping…' : 'the server is stopping (sessions are kept)…');
  });
  const instance = `instance "${config.instance}"`;
  if (running) {
    say(`the server of ${instance} (pid ${running.pid}, port ${running.port}) stopped${endSessions ? ' and ended every session' : '; the next start takes its sessions back'}`);
    return 0;
  }
  if (!endSessions) {
    say(`no Berth server runs for ${instance}: nothing to stop`);
    return 0;
  }
  // Held while ending, so that no server starts and adopts what is being removed.
  const claim = await claimInstance(config);
  try {
    const removed = await createSandboxRuntime(config).sweep(new Set());
    const forgotten = await forgetSessions(config);
    say(`no server was running for ${instance}: removed ${removed.length} sandbox(es) and ${forgotten} stored session(s)`);
  } finally {
    claim.release();
  }
  return 0;
}

/** Removes the instance's stored sessions; how many there were. */
async function forgetSessions(config: Config): Promise<number> {
  const stores = await openStores(config, consoleLog);
  try {
    const rows = await stores.sessions.all(config.instance);
    for (const row of rows) await stores.sessions.remove(row.id);
    return rows.length;
  } finally {
    await stores.close();
  }
}
