// Writing to a terminal's websocket, for the visitor's sockets and staff's alike: nothing is sent on a socket
// that is closing (its `written` callback still runs, so flow control never waits on it).
import type { ServerEvent } from '@berth/shared';
import type { WebSocket } from 'ws';

export function sendEvent(ws: WebSocket, event: ServerEvent, written?: () => void): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event), written);
  else written?.();
}

export function sendBytes(ws: WebSocket, bytes: Buffer, written: () => void = () => {}): void {
  if (ws.readyState === ws.OPEN) ws.send(bytes, { binary: true }, written);
  else written();
}

/** A notice printed into the terminal, dimmed, on a line of its own. */
export const noticeBytes = (message: string): Buffer => Buffer.from(`\r\n\x1b[2m${message}\x1b[0m\r\n`);

export function closeSocket(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason.slice(0, 120));
}
