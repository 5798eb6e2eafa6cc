import { startTestServer } from './helpers.js';
import { playLesson } from '../src/lessons/lesson-player.js';
const ids = process.argv.slice(2);
const server = await startTestServer({ BERTH_MAX_SESSIONS_PER_CLIENT: '1000', BERTH_MAX_SESSIONS_PER_ADDRESS: '1000', BERTH_STARTS_PER_ADDRESS_PER_MIN: '1000' });
let failed = 0;
for (const lesson of server.berth.lessons.lessons.filter((l) => ids.includes(l.id))) {
  const r = await playLesson(server.berth, server.url, lesson);
  console.log(r.ok ? `ok ${lesson.id}: ${r.steps} steps (${(r.ms / 1000).toFixed(1)} s)` : `FAIL ${lesson.id}: ${r.failure}`);
  if (!r.ok) failed++;
}
await server.close();
process.exit(failed ? 1 : 0);
