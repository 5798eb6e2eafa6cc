// The pages the ports origin answers itself, in words a learner can act on. Nothing of the visitor's request
// is echoed into them.

import { RELAYS_BUSY } from './relay-gate.js';

const STYLE = '<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d2733}code{background:#eef2f6;padding:0 .3em;border-radius:4px}</style>';

export function page(title: string, body: string): string {
  return `<!doctype html><meta charset="utf-8"><title>${title}</title>\n${STYLE}\n<h1>${title}</h1>\n${body}`;
}

/** No port link here: the ports origin serves visitors' apps and nothing else. */
export const notAPortLink = page('Nothing here', '<p>This address serves the apps that visitors run in their Berth sessions, at links their session page opens. There is nothing else here.</p>');

/** A link without (or with a spent) ticket and no cookie of this session. */
export const needsTicket = page(
  'Open this link from your session',
  '<p>Links to the ports of a session are personal: open them with the port buttons on the page of the session that runs the app (each button makes a new link that works once, for a minute).</p>',
);

export const stillStarting = page('The session is still starting', '<p>Try again in a moment.</p>');

export const sessionGone = page('This session has ended', '<p>The session that ran this app has ended, and its apps with it.</p>');

/** Its sandbox runs on another machine, every connection relayed there, and the session has its most open. */
export const relaysBusy = page(
  'Too many connections at once',
  '<p>Your session already has as many connections open to its apps as it may have at once: its sandbox runs on another machine, and each connection is relayed there. Close other tabs of your apps, or let their downloads and websockets end, then reload this page.</p>',
);

/** The parser's error codes (HPE_*) and the checks above, in words. */
function invalidHttp(code: string): string {
  if (code.startsWith('INVALID: ')) return code.slice(9);
  if (code === 'HPE_HEADER_OVERFLOW') return 'sent more header bytes than a browser would take';
  return `sent something that is not valid HTTP (${code.replace(/[^A-Z0-9_]/g, '').slice(0, 40)})`;
}

/** The status of a failed port link: busy relays are a limit of Berth's, not the app's fault. */
export const failureStatus = (code: string): 502 | 503 => (code === RELAYS_BUSY ? 503 : 502);

/** Instead of a bare 502: what probably went wrong, in words a learner can act on. */
export function nothingAnswers(port: number, code: string): string {
  if (code === RELAYS_BUSY) return relaysBusy;
  const why =
    code === 'ECONNREFUSED'
      ? `Nothing in your session accepts connections on port ${port}.`

      : code === 'ECONNRESET' || code === 'EPIPE'
        ? `Something on port ${port} accepted the connection and dropped it.`
        : code.startsWith('HPE_') || code.startsWith('INVALID: ')
          ? `What answered on port ${port} is not a web server Berth can pass on: it ${invalidHttp(code)}.`
          : `Port ${port} did not answer in time.`;
  return page(`Port ${port} did not answer`, `<p>${why} The usual causes:</p>
<ul>
<li><b>Not started yet</b> or it exited: check with <code>docker ps</code> and <code>docker logs &lt;name&gt;</code>.</li>
<li><b>Listening on 127.0.0.1 inside its container</b>: a server must listen on <code>0.0.0.0</code> to be reachable through a published port.</li>
<li><b>Not published</b>: run the container with <code>-p ${port}:&lt;container port&gt;</code>.</li>
<li><b>Not HTTP</b>: this link speaks HTTP; a database or a raw TCP service cannot be opened in a browser.</li>
</ul>
<p>Reload this page once it is running.</p>`);
}
