// The session's files for the page's file tree and editor (issue 14). Thin: files/ does the work, in the sandbox.
import { FILE_PATH, FILES_PATH, type FileContent, type FileListResponse, type SaveFileRequest } from '@berth/shared';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FILE_LIMITS, homePath, type SessionFiles } from '../files/session-files.js';
import { UploadGate } from '../files/upload-gate.js';
import { HttpError } from '../errors.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { sessionIdParam } from './sessions.js';
import { sessionToken } from './session-token.js';

type Id = { Params: { id: string } };
const ONE = ':id';
/** A saved file's JSON may hold up to 1 MiB of text, escaped. */
const SAVE_BODY_BYTES = 6 * 1024 * 1024;

export function fileRoutes(app: FastifyInstance, deps: { sessions: SessionManager; files: SessionFiles }) {
  const live = (req: { params: { id: string } } & Parameters<typeof sessionToken>[0]) => deps.sessions.requireLive(req.params.id, sessionToken(req)).id;
  const noStore = { 'cache-control': 'no-store' };
  const gate = new UploadGate();
  // Before the body is read: the session's token, and a place at the gate until the answer is sent.
  const bodyGate = async (req: FastifyRequest, reply: FastifyReply) => {
    const leave = gate.enter(live(req as FastifyRequest<Id>));
    reply.raw.once('finish', leave).once('close', leave);
  };

  app.get<Id & { Querystring: { dir?: string } }>(FILES_PATH(ONE), { schema: { params: sessionIdParam } }, async (req, reply): Promise<FileListResponse> => {
    const dir = homePath(req.query.dir ?? '');
    reply.headers(noStore);
    return { dir, entries: await deps.files.list(live(req), dir) };
  });

  app.get<Id & { Querystring: { path?: string } }>(FILE_PATH(ONE), { schema: { params: sessionIdParam } }, async (req, reply): Promise<FileContent> => {
    reply.headers(noStore);
    return deps.files.read(live(req), homePath(req.query.path));
  });

  app.put<Id & { Body: SaveFileRequest }>(
    FILE_PATH(ONE),
    {
      bodyLimit: SAVE_BODY_BYTES,
      onRequest: bodyGate,
      schema: {
        params: sessionIdParam,
        body: {
          type: 'object',
          required: ['path', 'content', 'base'],
          additionalProperties: false,
          properties: { path: { type: 'string' }, content: { type: 'string' }, base: { type: ['string', 'null'], maxLength: 64 } },
        },
      },
    },
    async (req) => deps.files.write(live(req), homePath(req.body.path), req.body.content, req.body.base),
  );

  app.delete<Id & { Querystring: { path?: string } }>(FILE_PATH(ONE), { schema: { params: sessionIdParam } }, async (req, reply) => {
    await deps.files.remove(live(req), homePath(req.query.path));
    return reply.code(204).send();
  });

  const pathBody = (names: string[]) => ({
    type: 'object',
    required: names,
    additionalProperties: false,
    properties: Object.fromEntries(names.map((n) => [n, { type: 'string' }])),
  });
  app.post<Id & { Body: { path: string } }>(`${FILES_PATH(ONE)}/mkdir`, { schema: { params: sessionIdParam, body: pathBody(['path']) } }, async (req, reply) => {
    await deps.files.mkdir(live(req), homePath(req.body.path));
    return reply.code(204).send();
  });
  app.post<Id & { Body: { from: string; to: string } }>(`${FILES_PATH(ONE)}/rename`, { schema: { params: sessionIdParam, body: pathBody(['from', 'to']) } }, async (req, reply) => {
    await deps.files.rename(live(req), homePath(req.body.from), homePath(req.body.to));
    return reply.code(204).send();
  });

  // Downloads: a file as it is, a folder as .tar.gz, streamed with backpressure; a learner who grows the file
  // meanwhile is cut at the limit.
  app.get<Id & { Querystring: { path?: string } }>(`${FILES_PATH(ONE)}/download`, { schema: { params: sessionIdParam } }, async (req, reply) => {
    const download = await deps.files.download(live(req), homePath(req.query.path ?? ''));
    let sent = 0;
    download.stream.stdout.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      if (sent > FILE_LIMITS.downloadBytes + 1024 * 1024) download.stream.stop();
    });
    reply.raw.on('close', () => download.stream.stop());
    const safeName = download.name.replace(/[^\w.-]+/g, '_').slice(0, 120) || 'download';
    return reply
      .type(download.kind === 'archive' ? 'application/gzip' : 'application/octet-stream')
      .headers({ ...noStore, 'content-disposition': `attachment; filename="${safeName}"`, 'x-content-type-options': 'nosniff' })
      .send(download.stream.stdout);
  });

  // Uploads: the file's bytes as the body (application/octet-stream), its path in the query.
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: FILE_LIMITS.uploadBytes }, (_req, body, done) => done(null, body));
  app.put<Id & { Querystring: { path?: string }; Body: Buffer }>(`${FILES_PATH(ONE)}/upload`, { bodyLimit: FILE_LIMITS.uploadBytes, onRequest: bodyGate, schema: { params: sessionIdParam } }, async (req) => {
    if (!Buffer.isBuffer(req.body)) throw new HttpError(415, 'An upload is the file itself, sent as application/octet-stream.');
    return deps.files.upload(live(req), homePath(req.query.path), req.body);
  });
}
