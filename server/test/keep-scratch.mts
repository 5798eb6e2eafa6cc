import { startTestServer, createSession } from './helpers.js';
const server = await startTestServer();
const s = await createSession(server);
await server.berth.sessions.get(s.id)!.ready;
console.log('CONTAINER', `berth-${server.config.instance}-${s.id}`, 'URL', server.url, JSON.stringify(s));
process.on('SIGTERM', async () => { await server.close(); console.log('closed'); process.exit(0); });
setInterval(() => {}, 1000);
