import http from 'node:http';
import net from 'node:net';

/** GET on an HTTP endpoint (optionally over a unix socket); true when it answers with the expected status. */
export function httpAnswers(
  target: { socketPath: string; path: string } | { url: string },
  expect: (status: number) => boolean = (s) => s === 200,
  timeoutMs = 2000,
): Promise<boolean> {
  return new Promise((resolve) => {
    const req =
      'url' in target
        ? http.get(target.url, { timeout: timeoutMs })
        : http.get({ socketPath: target.socketPath, path: target.path, timeout: timeoutMs });
    req.on('response', (res) => {
      res.resume();
      resolve(expect(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export function tcpAnswers(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(false));
  });
}
