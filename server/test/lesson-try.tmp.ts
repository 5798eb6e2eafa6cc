// Throwaway: explore a sandbox / play lessons. Deleted when done.
import { createSession, startTestServer, TerminalClient } from './helpers.js';
const server = await startTestServer();
try {
  const s = await createSession(server);
  const term = await TerminalClient.connect(server, s);
  await term.ready();
  const ex = async (script: string) => server.berth.runtime.exec(s.id, ['bash', '-c', script]);
  for (const c of JSON.parse(process.env.CMDS ?? '[]') as string[]) {
    if (c.startsWith('EXEC ')) { const r = await ex(c.slice(5)); console.log(`### exec ${c.slice(5)}\n${r.output}[exit ${r.exitCode}]`); }
    else { const r = await term.run(c, 120_000); console.log(`### run ${c}\n${r.output}[exit ${r.exit}]`); }
  }
  await term.close();
} finally {
  await server.close();
}
