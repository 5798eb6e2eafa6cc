// Interviews: the interviewer's invites (staff routes) and the candidate's link (no account: the link's
// token is the key). A wrong token counts against its address, so links cannot be tried by the thousand.
import {
  CANDIDATE_INVITE_PATH,
  CANDIDATE_START_PATH,
  INTERVIEW_ID_PATTERN,
  INTERVIEW_LIMITS,
  INTERVIEW_TOKEN_PATTERN,
  STAFF_INTERVIEW_PATH,
  STAFF_INTERVIEW_RECORDING_PATH,
  STAFF_INTERVIEWS_PATH,
  type CreateInterviewRequest,
} from '@berth/shared';
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Interviews } from '../interviews/interviews.js';
import { staffOnly, type StaffAuth } from '../people/staff-auth.js';
import { learnerId } from './learner.js';
import { wrongKeyLimiter } from './wrong-key-limiter.js';

const tokenParams = { type: 'object', required: ['token'], properties: { token: { type: 'string', pattern: INTERVIEW_TOKEN_PATTERN } } } as const;
const LESSON_ID = '^[a-z0-9][a-z0-9-]{0,63}$';

export function interviewRoutes(app: FastifyInstance, deps: { auth: StaffAuth; interviews: Interviews; publicUrl: string | null }) {
  const { auth, interviews } = deps;
  const withLink = wrongKeyLimiter('interview links');

  app.post<{ Body: CreateInterviewRequest }>(
    STAFF_INTERVIEWS_PATH,
    {
      onRequest: staffOnly(auth, 'interviewer'),
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['minutes'],
          properties: {
            lesson: { type: 'string', pattern: LESSON_ID },
            brief: { type: 'string', maxLength: INTERVIEW_LIMITS.briefChars },
            minutes: { type: 'integer', minimum: INTERVIEW_LIMITS.minMinutes, maximum: INTERVIEW_LIMITS.maxMinutes },
            linkDays: { type: 'integer', minimum: 1, maximum: INTERVIEW_LIMITS.maxLinkDays },
            candidateName: { type: 'string', maxLength: INTERVIEW_LIMITS.candidateNameChars },
            lang: { type: 'string', enum: ['en', 'zh'] },
            checks: {
              type: 'array',
              maxItems: INTERVIEW_LIMITS.maxChecks,
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['title', 'check'],
                properties: {
                  title: { type: 'string', maxLength: INTERVIEW_LIMITS.checkTitleChars },
                  check: { type: 'string', maxLength: INTERVIEW_LIMITS.checkScriptChars },
                },
              },
            },
          },
        },
      },
    },
    async (req, reply) => {
      const created = await interviews.create(req.staff!, req.body, deps.publicUrl ?? `${req.protocol}://${req.host}`);
      req.log.info({ staff: req.staff!.email, interview: created.id, minutes: created.minutes }, 'interview created');
      return reply.code(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.get(STAFF_INTERVIEWS_PATH, { onRequest: staffOnly(auth, 'interviewer') }, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    return { interviews: await interviews.list(req.staff!) };
  });

  app.get<{ Params: { id: string } }>(
    STAFF_INTERVIEW_PATH,
    { onRequest: staffOnly(auth, 'interviewer'), schema: { params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: INTERVIEW_ID_PATTERN } } } } },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return interviews.get(req.staff!, req.params.id);
    },
  );

  app.get<{ Params: { id: string } }>(
    STAFF_INTERVIEW_RECORDING_PATH,
    { onRequest: staffOnly(auth, 'interviewer'), schema: { params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: INTERVIEW_ID_PATTERN } } } } },
    async (req, reply) => {
      const { id, file } = await interviews.recordingFile(req.staff!, req.params.id);
      req.log.info({ staff: req.staff!.email, interview: req.params.id, recording: id }, 'interview recording downloaded');
      return reply
        .type('application/x-asciicast')
        .header('content-disposition', `attachment; filename="berth-interview-${req.params.id}.cast"`)
        .header('cache-control', 'no-store')
        .send(fs.createReadStream(file));
    },
  );

  app.get<{ Params: { token: string } }>(CANDIDATE_INVITE_PATH, { schema: { params: tokenParams } }, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    return withLink(req, () => interviews.invite(req.params.token));
  });

  app.post<{ Params: { token: string } }>(CANDIDATE_START_PATH, { schema: { params: tokenParams } }, async (req, reply) => {
    const started = await withLink(req, () => interviews.start(req.params.token, { learner: learnerId(req), client: req.ip }));
    req.log.info({ session: started.id }, 'interview started');
    return reply.code(201).header('cache-control', 'no-store').send(started);
  });
}
