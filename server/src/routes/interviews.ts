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
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import type { Interviews } from '../interviews/interviews.js';
import { staffOnly, type StaffAuth } from '../people/staff-auth.js';
import { SignInLimits } from '../people/sign-in-limits.js';
import { addressKey } from '../sessions/visitor-limits.js';
import { learnerId } from './learner.js';

const tokenParams = { type: 'object', required: ['token'], properties: { token: { type: 'string', pattern: INTERVIEW_TOKEN_PATTERN } } } as const;
const LESSON_ID = '^[a-z0-9][a-z0-9-]{0,63}$';

export function interviewRoutes(app: FastifyInstance, deps: { auth: StaffAuth; interviews: Interviews; publicUrl: string | null }) {
  const { auth, interviews } = deps;
  const wrongLinks = new SignInLimits({ windowMs: 15 * 60_000, perAddress: 30, perEmail: 30, maxKeys: 10_000 });

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

  /** Looks the link up, counting a wrong one against the address (and giving a right one back). */
  const withLink = async <T>(req: FastifyRequest<{ Params: { token: string } }>, use: (token: string) => T | Promise<T>): Promise<T> => {
    const address = addressKey(req.ip);
    const now = Date.now();
    const wait = wrongLinks.waitFor(address, address, now);
    if (wait > 0) throw new HttpError(429, `Too many wrong interview links from your network. Try again in ${Math.ceil(wait / 60_000)} min.`);
    wrongLinks.attempted(address, address, now);
    let known = true;
    try {
      return await use(req.params.token);
    } catch (err) {
      known = !(err instanceof HttpError && err.statusCode === 404);
      throw err;
    } finally {
      if (known) wrongLinks.succeeded(address, address, now);
    }
  };

  app.get<{ Params: { token: string } }>(CANDIDATE_INVITE_PATH, { schema: { params: tokenParams } }, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    return withLink(req, (token) => interviews.invite(token));
  });

  app.post<{ Params: { token: string } }>(CANDIDATE_START_PATH, { schema: { params: tokenParams } }, async (req, reply) => {
    const started = await withLink(req, (token) => interviews.start(token, { learner: learnerId(req), client: req.ip }));
    req.log.info({ session: started.id }, 'interview started');
    return reply.code(201).header('cache-control', 'no-store').send(started);
  });
}
