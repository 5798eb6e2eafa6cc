// Classes: the teacher's (staff routes: create, list, the dashboard, broadcast, extend, end, CSV) and the
// students' (the class's code, no account). A wrong code counts against its address.
import {
  CLASS_CODE_PATTERN,
  CLASS_ID_PATTERN,
  CLASS_INFO_PATH,
  CLASS_JOIN_PATH,
  CLASS_LIMITS,
  STAFF_CLASS_BROADCAST_PATH,
  STAFF_CLASS_CSV_PATH,
  STAFF_CLASS_END_PATH,
  STAFF_CLASS_EXTEND_PATH,
  STAFF_CLASS_PATH,
  STAFF_CLASS_RESET_SANDBOX_PATH,
  STAFF_CLASS_RESET_STEP_PATH,
  STAFF_CLASS_WARM_PATH,
  STAFF_CLASSES_PATH,
  type CreateClassRequest,
  type JoinClassRequest,
} from '@berth/shared';
import type { FastifyInstance } from 'fastify';
import type { Classes } from '../classes/classes.js';
import { staffOnly, type StaffAuth } from '../people/staff-auth.js';
import { learnerId } from './learner.js';
import { wrongKeyLimiter } from './wrong-key-limiter.js';

const LESSON_ID = '^[a-z0-9][a-z0-9-]{0,63}$';
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: CLASS_ID_PATTERN } } } as const;
const studentParams = {
  type: 'object',
  required: ['id', 'session'],
  properties: { id: { type: 'string', pattern: CLASS_ID_PATTERN }, session: { type: 'string', pattern: '^[a-z0-9]{9}$' } },
} as const;
const codeParams = { type: 'object', required: ['code'], properties: { code: { type: 'string', pattern: CLASS_CODE_PATTERN } } } as const;

export function classRoutes(app: FastifyInstance, deps: { auth: StaffAuth; classes: Classes }) {
  const { auth, classes } = deps;
  const teacher = staffOnly(auth, 'teacher');
  const wrongCodes = wrongKeyLimiter('class codes', (req, learner) => classes.hasJoined((req.params as { code: string }).code, learner));

  app.post<{ Body: CreateClassRequest }>(
    STAFF_CLASSES_PATH,
    {
      onRequest: teacher,
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'lessons', 'minutes', 'capacity'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: CLASS_LIMITS.nameChars, pattern: '\\S' },
            lessons: { type: 'array', minItems: 1, maxItems: CLASS_LIMITS.maxLessons, items: { type: 'string', pattern: LESSON_ID } },
            minutes: { type: 'integer', minimum: CLASS_LIMITS.minMinutes, maximum: CLASS_LIMITS.maxMinutes },
            capacity: { type: 'integer', minimum: 1, maximum: CLASS_LIMITS.maxCapacity },
            openHours: { type: 'integer', minimum: 1, maximum: 24 * 14 },
            lang: { type: 'string', enum: ['en', 'zh'] },
          },
        },
      },
    },
    async (req, reply) => {
      const made = await classes.create(req.staff!, req.body);
      req.log.info({ staff: req.staff!.email, class: made.id, capacity: made.capacity }, 'class created');
      return reply.code(201).header('cache-control', 'no-store').send(made);
    },
  );

  app.get(STAFF_CLASSES_PATH, { onRequest: teacher }, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    return { classes: await classes.list(req.staff!) };
  });

  app.get<{ Params: { id: string } }>(STAFF_CLASS_PATH, { onRequest: teacher, schema: { params: idParams } }, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    return classes.dashboard(req.staff!, req.params.id);
  });

  app.post<{ Params: { id: string }; Body: { message: string } }>(
    STAFF_CLASS_BROADCAST_PATH,
    {
      onRequest: teacher,
      schema: {
        params: idParams,
        body: { type: 'object', additionalProperties: false, required: ['message'], properties: { message: { type: 'string', minLength: 1, maxLength: CLASS_LIMITS.broadcastChars, pattern: '\\S' } } },
      },
    },
    async (req) => ({ reached: await classes.broadcast(req.staff!, req.params.id, req.body.message) }),
  );

  app.post<{ Params: { id: string }; Body: { minutes: number } }>(
    STAFF_CLASS_EXTEND_PATH,
    {
      onRequest: teacher,
      schema: {
        params: idParams,
        body: { type: 'object', additionalProperties: false, required: ['minutes'], properties: { minutes: { type: 'integer', minimum: 1, maximum: CLASS_LIMITS.maxExtendMinutes } } },
      },
    },
    async (req) => ({ extended: await classes.extendAll(req.staff!, req.params.id, req.body.minutes) }),
  );

  app.post<{ Params: { id: string } }>(STAFF_CLASS_END_PATH, { onRequest: teacher, schema: { params: idParams } }, async (req) => {
    const ended = await classes.endAll(req.staff!, req.params.id);
    req.log.info({ staff: req.staff!.email, class: req.params.id, ended }, 'class ended by its teacher');
    return { ended };
  });

  app.post<{ Params: { id: string }; Body: { on: boolean } }>(
    STAFF_CLASS_WARM_PATH,
    { onRequest: teacher, schema: { params: idParams, body: { type: 'object', additionalProperties: false, required: ['on'], properties: { on: { type: 'boolean' } } } } },
    async (req) => {
      const warm = await classes.warm(req.staff!, req.params.id, req.body.on);
      req.log.info({ staff: req.staff!.email, class: req.params.id, ...warm }, req.body.on ? 'class getting ready' : 'class no longer getting ready');
      return warm;
    },
  );

  type StudentParams = { Params: { id: string; session: string } };
  app.post<StudentParams>(STAFF_CLASS_RESET_STEP_PATH, { onRequest: teacher, schema: { params: studentParams } }, async (req) => {
    const redone = await classes.resetStep(req.staff!, req.params.id, req.params.session);
    req.log.info({ staff: req.staff!.email, class: req.params.id, session: req.params.session, ...redone }, "a student's step reset by the teacher");
    return redone;
  });

  app.post<StudentParams>(STAFF_CLASS_RESET_SANDBOX_PATH, { onRequest: teacher, schema: { params: studentParams } }, async (req) => {
    await classes.resetSandbox(req.staff!, req.params.id, req.params.session);
    req.log.info({ staff: req.staff!.email, class: req.params.id, session: req.params.session }, "a student's sandbox reset by the teacher");
    return { reset: true };
  });

  app.get<{ Params: { id: string } }>(STAFF_CLASS_CSV_PATH, { onRequest: teacher, schema: { params: idParams } }, async (req, reply) => {
    const csv = await classes.csv(req.staff!, req.params.id);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="berth-class-${req.params.id}.csv"`)
      .header('cache-control', 'no-store')
      .send(csv);
  });

  app.get<{ Params: { code: string } }>(CLASS_INFO_PATH, { schema: { params: codeParams } }, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    return wrongCodes(req, () => classes.info(req.params.code));
  });

  app.post<{ Params: { code: string }; Body: JoinClassRequest }>(
    CLASS_JOIN_PATH,
    {
      schema: {
        params: codeParams,
        body: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', maxLength: CLASS_LIMITS.studentNameChars } } },
      },
    },
    async (req, reply) => {
      const joined = await wrongCodes(req, () => classes.join(req.params.code, { learner: learnerId(req), client: req.ip, name: req.body.name }));
      return reply.code(201).header('cache-control', 'no-store').send(joined);
    },
  );
}
