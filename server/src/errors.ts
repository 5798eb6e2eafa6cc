// Errors that reach a client carry their HTTP status; one handler in app.ts maps them.
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export class SessionNotFoundError extends HttpError {
  constructor() {
    super(404, 'No such session: it may have ended. Start a new one.');
  }
}

export class UnauthorizedError extends HttpError {
  constructor() {
    super(401, 'This session needs its token (Authorization: Bearer <token>; on its terminal websocket, ?token=<token>).');
  }
}

export class SessionEndedError extends HttpError {
  constructor(why: string) {
    super(410, `This session has ended: ${why}. Start a new one.`);
  }
}
