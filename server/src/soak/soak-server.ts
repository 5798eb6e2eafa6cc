// The server under soak, in a process of its own so its memory is its own: started by run-soak.ts with
// --expose-gc and an IPC channel. It reads its configuration from the environment like `berth start`.
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';

export type SoakServerMessage =
  | { type: 'listening'; url: string }
  | { type: 'memory'; heapUsed: number; rss: number }
  | { type: 'closed' };
export type SoakServerRequest = { type: 'memory' } | { type: 'close' };

const send = (m: SoakServerMessage) => process.send!(m);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc || !process.send) throw new Error('soak-server.ts is started by run-soak.ts (node --expose-gc, with IPC)');

const config = loadConfig();
const berth = await buildApp(config);
await berth.app.listen({ port: 0, host: '127.0.0.1' });
const address = berth.app.server.address();
send({ type: 'listening', url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });

process.on('message', (m: SoakServerRequest) => {
  if (m.type === 'memory') {
    // Twice: the first full collection can leave objects whose finalizers free more on the second.
    gc();
    gc();
    const u = process.memoryUsage();
    send({ type: 'memory', heapUsed: u.heapUsed, rss: u.rss });
  } else if (m.type === 'close') {
    void berth.close().then(() => {
      send({ type: 'closed' });
      process.disconnect();
    });
  }
});
