// Staff sign-in and accounts. Only an admin creates accounts here, and never another admin: the first admin
// (and any other) is made on the host with `npx berth admin create`.
import { STAFF_ACCOUNTS_PATH, STAFF_ME_PATH, STAFF_SIGN_IN_PATH, STAFF_SIGN_OUT_PATH, type CreateStaffRequest, type SignInRequest, type SignInResponse, type StaffMe } from '@berth/shared';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors.js';
import { hashPassword, PASSWORD_MAX } from '../people/passwords.js';
import { staffOnly, type StaffAuth } from '../people/staff-auth.js';
import type { StaffAccount, StaffStore } from '../people/staff-store.js';

const email = { type: 'string', minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' } as const;
const me = (a: StaffAccount): StaffMe => ({ email: a.email, name: a.name, role: a.role });

export function staffRoutes(app: FastifyInstance, deps: { auth: StaffAuth; store: StaffStore }) {
  const { auth, store } = deps;

  app.post<{ Body: SignInRequest }>(
    STAFF_SIGN_IN_PATH,
    {
      schema: {
        body: {
          type: 'object',
          required: ['email', 'password'],
          additionalProperties: false,
          properties: { email: { type: 'string', maxLength: 254 }, password: { type: 'string', maxLength: PASSWORD_MAX } },
        },
      },
    },
    async (req, reply): Promise<SignInResponse> => {
      const { account, token, check, expiresAt } = await auth.signIn(req.body.email, req.body.password, req.ip);
      req.log.info({ staff: account.email, role: account.role }, 'staff signed in');
      reply.header('set-cookie', auth.cookie(token)).header('cache-control', 'no-store');
      return { ...me(account), check, expiresAt };
    },
  );

  app.post(STAFF_SIGN_OUT_PATH, async (req, reply) => {
    await auth.signOut(req);
    reply.header('set-cookie', auth.clearCookie()).code(204);
  });

  app.get(STAFF_ME_PATH, { onRequest: staffOnly(auth, 'teacher', 'interviewer') }, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    return me(req.staff!);
  });

  app.get(STAFF_ACCOUNTS_PATH, { onRequest: staffOnly(auth, 'admin') }, async (_req, reply) => {
    reply.header('cache-control', 'no-store');
    return { accounts: (await store.list()).map((a) => ({ ...me(a), createdAt: a.createdAt })) };
  });

  app.post<{ Body: CreateStaffRequest }>(
    STAFF_ACCOUNTS_PATH,
    {
      onRequest: staffOnly(auth, 'admin'),
      schema: {
        body: {
          type: 'object',
          required: ['email', 'name', 'role', 'password'],
          additionalProperties: false,
          properties: { email, name: { type: 'string', minLength: 1, maxLength: 100 }, role: { type: 'string', enum: ['teacher', 'interviewer'] }, password: { type: 'string', maxLength: PASSWORD_MAX } },
        },
      },
    },
    async (req, reply) => {
      const passwordHash = await hashPassword(req.body.password);
      const created = await store.create({ email: req.body.email, name: req.body.name.trim(), role: req.body.role, passwordHash });
      if (!created) throw new HttpError(409, `${req.body.email} already has an account.`);
      req.log.info({ staff: created.email, role: created.role, by: req.staff!.email }, 'staff account created');
      reply.code(201);
      return me(created);
    },
  );
}
