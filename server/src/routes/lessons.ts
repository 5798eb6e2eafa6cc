import { LANGS, type Lang, type SetLessonRequest } from '@berth/shared';
import type { FastifyInstance } from 'fastify';
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

  app.put<{ Params: { id: string }; Body: SetLessonRequest }>(
    '/api/sessions/:id/lesson',
    {
      schema: {
        params: sessionIdParam,
        body: {
          type: 'object',
          required: ['lesson', 'step'],
          additionalProperties: false,
          properties: { lesson: slug, step: slug, lang: { type: 'string', enum: [...LANGS] } },
        },
      },
    },
    async (req) => {
      const s = sessions.requireLive(req.params.id, sessionToken(req));
      if (!(await s.ready)) throw new HttpError(409, 'The session could not start, so no lesson can run in it. Start a new session.');
      return lessons.setLesson(s.id, s.learner, req.body.lesson, req.body.step, req.body.lang ?? s.lang ?? 'en');
    },
  );
}
