import { LANGS, type Lang, type SetLessonRequest } from '@berth/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import type { LessonService } from '../lessons/lesson-service.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { learnerId } from './learner.js';
import { sessionIdParam } from './sessions.js';
import { sessionToken } from './session-token.js';

const slug = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' } as const;
const langQuery = { type: 'object', additionalProperties: false, properties: { lang: { type: 'string', enum: [...LANGS] } } } as const;

export function lessonRoutes(app: FastifyInstance, deps: { lessons: LessonService; sessions: SessionManager }) {
  const { lessons, sessions } = deps;

  app.get<{ Querystring: { lang?: Lang } }>('/api/lessons', { schema: { querystring: langQuery } }, async (req) =>
    lessons.catalog(req.query.lang ?? 'en'),
  );

  app.get<{ Params: { id: string }; Querystring: { lang?: Lang } }>(
    '/api/lessons/:id',
    { schema: { params: { type: 'object', required: ['id'], properties: { id: slug } }, querystring: langQuery } },
    async (req) => lessons.view(req.params.id, req.query.lang ?? 'en'),
  );

  app.get('/api/progress', async (req) => lessons.progress(learnerId(req)));

  const stepSchema = {
    params: sessionIdParam,
    body: {
      type: 'object',
      required: ['lesson', 'step'],
      additionalProperties: false,
      properties: { lesson: slug, step: slug, lang: { type: 'string', enum: [...LANGS] }, resume: { type: 'boolean' } },
    },
  };
  type StepRequest = { Params: { id: string }; Body: SetLessonRequest };
  const readySession = async (req: FastifyRequest<StepRequest>) => {
    const s = sessions.requireLive(req.params.id, sessionToken(req));
    if (!(await s.ready)) throw new HttpError(409, 'The session could not start, so no lesson can run in it. Start a new session.');
    return s;
  };

  app.put<StepRequest>('/api/sessions/:id/lesson', { schema: stepSchema }, async (req) => {
    const s = await readySession(req);
    return lessons.setLesson(s.id, s.learner, req.body.lesson, req.body.step, req.body.lang ?? s.lang ?? 'en', req.body.resume === true);
  });

  // Skip: the step's work done for the learner (its `solve`), the step marked skipped, the next one opened.
  app.post<StepRequest>('/api/sessions/:id/lesson/skip', { schema: stepSchema }, async (req) => {
    const s = await readySession(req);
    return lessons.skip(s.id, s.learner, req.body.lesson, req.body.step, req.body.lang ?? s.lang ?? 'en');
  });

  // Check my work: the open step's goals, run now; the unmet ones in words.
  app.post<StepRequest>('/api/sessions/:id/lesson/check', { schema: stepSchema }, async (req) => {
    const s = await readySession(req);
    sessions.touch(s.id);
    return lessons.checkNow(s.id, req.body.lesson, req.body.step);
  });
}
