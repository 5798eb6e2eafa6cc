// The real berth-term (native/session/berth-term.c), built here with gcc and run on loopback ports, for the unit
// tests of the terminal server's host side.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export function berthTermBinary() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-term-'));
  const binary = path.join(dir, 'berth-term');
  const servers: ChildProcess[] = [];
  return {
    build: () => execFileSync('gcc', ['-Os', '-Wall', '-Wextra', '-Werror', '-s', '-o', binary, path.join(import.meta.dirname, '../../../native/session/berth-term.c')]),
    /** Starts berth-term on a free port; local: whether loopback peers are served (tests only). */
    async serve(local: boolean): Promise<{ port: number; pid: number }> {
      for (;;) {
        const probe = net.createServer();
        await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
        const port = (probe.address() as net.AddressInfo).port;
        await new Promise((resolve) => probe.close(resolve));
        // Started as berth-entrypoint starts it: in the background of a script, so with SIGINT and SIGQUIT ignored.
        const child = spawn('sh', ['-c', `trap '' INT QUIT; exec "$0" "$1"`, binary, String(port)], { env: { PATH: process.env.PATH, ...(local ? { BERTH_TERM_ALLOW_LOCAL: '1' } : {}) }, stdio: 'ignore' });
        servers.push(child);
        for (let i = 0; i < 50 && child.exitCode === null; i++) {
          const up = await new Promise<boolean>((resolve) => net.connect(port, '127.0.0.1').on('connect', function (this: net.Socket) { this.destroy(); resolve(true); }).on('error', () => resolve(false)));
          if (up) return { port, pid: child.pid! };
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    },
    cleanUp() {
      for (const s of servers) s.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
