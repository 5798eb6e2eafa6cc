// LXD's REST API over its unix socket (https://documentation.ubuntu.com/lxd/en/latest/rest-api/): requests,
// the operations that long calls return, and the websockets of an exec. Only runtime/lxd/ uses it.
import http from 'node:http';
import WebSocket from 'ws';

interface LxdResponse {
  type: 'sync' | 'async' | 'error';
  status_code?: number;
  error_code?: number;
  error?: string;
  operation?: string;
  metadata?: unknown;
}

export interface LxdOperation {
  id: string;
  status: string;
  status_code: number;
  err: string;
  metadata: Record<string, unknown> | null;
}

export class LxdError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Answers bigger than this are a broken daemon, not a reply: never held whole. */
const MAX_ANSWER_BYTES = 16 * 2 ** 20;

export class LxdApi {
  private readonly agent: http.Agent;

  constructor(readonly socketPath: string) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  }

  /** A sync call's metadata; an async call's operation (use request + wait, or run). */
  async request<T = unknown>(method: string, path: string, body?: unknown, timeoutMs = 60_000): Promise<T> {
    const answer = await this.call(method, path, body, timeoutMs);
    if (answer.type === 'async') return { id: operationId(answer), ...(answer.metadata as object) } as T;
    return answer.metadata as T;
  }

  /** A call that starts an operation, waited for until it ends; fails as the operation failed. */
  async run(method: string, path: string, body: unknown, timeoutMs = 120_000): Promise<LxdOperation> {
    const answer = await this.call(method, path, body, timeoutMs);
    if (answer.type !== 'async') return { id: '', status: 'Success', status_code: 200, err: '', metadata: (answer.metadata ?? null) as LxdOperation['metadata'] };
    return this.wait(operationId(answer), timeoutMs);
  }

  /** Starts an operation and gives it back at once (an exec's websockets are in its metadata). */
  async start(method: string, path: string, body: unknown, timeoutMs = 60_000): Promise<LxdOperation> {
    const answer = await this.call(method, path, body, timeoutMs);
    if (answer.type !== 'async') throw new LxdError(500, `${method} ${path}: LXD answered ${answer.type}, not an operation`);
    return { ...(answer.metadata as LxdOperation), id: operationId(answer) };
  }

  async wait(id: string, timeoutMs: number): Promise<LxdOperation> {
    const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
    const op = await this.request<LxdOperation>('GET', `/1.0/operations/${encodeURIComponent(id)}/wait?timeout=${seconds}`, undefined, timeoutMs + 5000);
    if (op.status_code >= 400) throw new LxdError(op.status_code, op.err || `operation ${id} failed (${op.status})`);
    return op;
  }

  websocket(operationId: string, secret: string): Promise<WebSocket> {
    const url = `ws+unix://${this.socketPath}:/1.0/operations/${encodeURIComponent(operationId)}/websocket?secret=${encodeURIComponent(secret)}`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { maxPayload: 4 * 2 ** 20, perMessageDeflate: false });
      ws.once('open', () => { ws.off('error', reject); resolve(ws); });
      ws.once('error', reject);
    });
  }

  /** Whether a file is in an instance (LXD's file API answers with the file itself: only its status is read). */
  fileExists(instance: string, file: string, timeoutMs = 10_000): Promise<boolean> {
    const path = `/1.0/instances/${encodeURIComponent(instance)}/files?path=${encodeURIComponent(file)}`;
    return new Promise((resolve, reject) => {
      const req = http.request({ socketPath: this.socketPath, agent: this.agent, method: 'GET', path, timeout: timeoutMs, headers: { Host: 'lxd' } }, (res) => {
        const status = res.statusCode ?? 500;
        res.resume();
        if (status === 200) resolve(true);
        else if (status === 404) resolve(false);
        else reject(new LxdError(status, `GET ${path}: LXD answered ${status}`));
      });
      req.on('timeout', () => req.destroy(new LxdError(504, `GET ${path}: LXD did not answer in ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private call(method: string, path: string, body: unknown, timeoutMs: number): Promise<LxdResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request({
        socketPath: this.socketPath, agent: this.agent, method, path, timeout: timeoutMs,
        headers: { Host: 'lxd', ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}) },
      }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER_BYTES) { req.destroy(new LxdError(502, `${method} ${path}: LXD's answer passed ${MAX_ANSWER_BYTES} bytes`)); return; }
          chunks.push(c);
        });
        res.on('end', () => {
          let answer: LxdResponse;
          try {
            answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as LxdResponse;
          } catch {
            reject(new LxdError(res.statusCode ?? 502, `${method} ${path}: LXD answered ${res.statusCode} with no JSON`));
            return;
          }
          if (answer.type === 'error' || (res.statusCode ?? 500) >= 400) {
            reject(new LxdError(answer.error_code ?? res.statusCode ?? 500, `${method} ${path}: ${answer.error || `LXD answered ${res.statusCode}`}`));
            return;
          }
          resolve(answer);
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new LxdError(504, `${method} ${path}: LXD did not answer in ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}

function operationId(answer: LxdResponse): string {
  const id = answer.operation?.split('/').pop()?.split('?')[0];
  if (!id) throw new LxdError(502, 'LXD started an operation without naming it');
  return id;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof LxdError && err.status === 404;
}
