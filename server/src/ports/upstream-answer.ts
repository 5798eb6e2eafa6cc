// What an app in a sandbox answers is a stranger's bytes: its status line and headers are checked before
// any of it is written to the visitor, so nothing it sends can throw inside the server.
import http from 'node:http';

/** Why an upstream answer cannot be passed on as it is, or null when it can. */
export function unusableAnswer(res: http.IncomingMessage): string | null {
  const status = res.statusCode ?? 0;
  // 1xx to a plain request (101 included) is not an answer a browser can take; neither is a status outside 200-599.
  if (!Number.isInteger(status) || status < 200 || status > 599) return `answered with the status ${status}, which is not a complete HTTP answer`;
  return null;
}

/**
 * Writes the upstream's status line and headers to the visitor. Node refuses some values its own parser let
 * through (a control character in the reason phrase, say): that becomes `false` (nothing was written), never
 * an exception in a response callback, which would end the whole server.
 */
export function writeUpstreamHead(out: http.ServerResponse, res: http.IncomingMessage, headers: http.OutgoingHttpHeaders): boolean {
  try {
    out.writeHead(res.statusCode!, res.statusMessage || undefined, headers);
    return true;
  } catch {
    return false;
  }
}
