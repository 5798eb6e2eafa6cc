// Admins: the recorded terminals (BERTH_RECORD=terminals) and a sealed one's .cast file, to replay with any
// asciicast v2 player (`asciinema play`, asciinema-player).
import fs from 'node:fs';
import { STAFF_RECORDING_PATH, STAFF_RECORDINGS_PATH, type RecordingSummary } from '@berth/shared';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors.js';
import { staffOnly, type StaffAuth } from '../people/staff-auth.js';
import { SESSION_RECORDING_ID, type SessionRecordings } from '../recordings/session-recordings.js';

/** `everyTerminal`: BERTH_RECORD=terminals (without it, only interviews are recorded). */
export function staffRecordingRoutes(app: FastifyInstance, deps: { auth: StaffAuth; recordings: SessionRecordings; everyTerminal: boolean }) {
  const { auth, recordings } = deps;

  app.get(STAFF_RECORDINGS_PATH, { onRequest: staffOnly(auth, 'admin') }, async (_req, reply): Promise<{ recording: boolean; keptDays: number; recordings: RecordingSummary[] }> => {
    reply.header('cache-control', 'no-store');
    return { recording: deps.everyTerminal, keptDays: recordings.keptDays, recordings: await recordings.list() };
  });

  app.get<{ Params: { id: string } }>(
    STAFF_RECORDING_PATH,
    { onRequest: staffOnly(auth, 'admin'), schema: { params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: SESSION_RECORDING_ID } } } } },
    async (req, reply) => {
      const file = await recordings.sealedFile(req.params.id);
      if (!file) throw new HttpError(404, `There is no sealed recording ${req.params.id} (it may still be being recorded, or be past its retention).`);
      req.log.info({ staff: req.staff!.email, recording: req.params.id }, 'recording downloaded');
      return reply
        .type('application/x-asciicast')
        .header('content-disposition', `attachment; filename="berth-${req.params.id}.cast"`)
        .header('cache-control', 'no-store')
        .send(fs.createReadStream(file));
    },
  );
}
