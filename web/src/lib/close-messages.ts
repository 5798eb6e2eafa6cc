// Words for a terminal socket that closed without the server first saying the session ended.
import { CloseCode } from '@berth/shared';

/** Close codes that mean "this session is over" rather than "something broke". */
export function isOrderlyClose(code: number): boolean {
  return code === CloseCode.normal || code === CloseCode.sessionEnded;
}

export function closeMessage(code: number, reason: string, opened: boolean): string {
  const why = reason ? ` (${reason})` : '';
  switch (code) {
    case CloseCode.normal:
    case CloseCode.sessionEnded:
      return `The server closed the terminal${why}.`;
    case CloseCode.unauthorized:
      return `The server did not accept this session's token${why}. Start a new session.`;
    case CloseCode.notFound:
      return `This session no longer exists${why}. Start a new session.`;
    case CloseCode.replaced:
      return `This session's terminal was opened in another tab or window${why}.`;
    case CloseCode.tooBig:
      return `The terminal sent more data at once than the server accepts${why}.`;
    case CloseCode.badMessage:
      return `The server could not understand the terminal${why}. Reload the page and try again.`;
    default:
      return opened
        ? `The connection to your sandbox was lost (code ${code}${reason ? `, ${reason}` : ''}). Check your network and start a new session.`
        : `Could not connect to the terminal (code ${code}${reason ? `, ${reason}` : ''}). Check your network and try again.`;
  }
}
