// Words for a terminal socket that closed without the server first saying the session ended.
import { CloseCode } from '@berth/shared';
import type { Messages } from './i18n.js';

/** Close codes that mean "this session is over" rather than "something broke". */
export function isOrderlyClose(code: number): boolean {
  return code === CloseCode.normal || code === CloseCode.sessionEnded;
}

export function closeMessage(m: Messages, code: number, reason: string, opened: boolean): string {
  const why = reason ? ` (${reason})` : '';
  switch (code) {
    case CloseCode.normal:
    case CloseCode.sessionEnded:
      return m.close.closed(why);
    case CloseCode.unauthorized:
      return m.close.unauthorized(why);
    case CloseCode.notFound:
      return m.close.notFound(why);
    case CloseCode.replaced:
      return m.close.replaced(why);
    case CloseCode.tooBig:
      return m.close.tooBig(why);
    case CloseCode.badMessage:
      return m.close.badMessage(why);
    case CloseCode.serverRestarting:
      return m.close.restarting;
    default: {
      const what = `${code}${reason ? `, ${reason}` : ''}`;
      return opened ? m.close.lost(what) : m.close.failed(what);
    }
  }
}
