// issue 12, item 4: the session runs today's Docker (engine and CLI 26 from Debian trixie) with BuildKit as
// the default builder, `docker buildx` and `docker compose` v2, as tutorials written since 2023 assume; typed
// in a real session terminal as a visitor would. `docker top` lists a container's processes although the
// session's engine has no cgroups (native/session/runc-ps); `docker stats` has no figures, and Berth says why.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually, openPortLink, useSessionTerminal } from '../helpers.js';

/** A two-service app as in Docker's own compose tutorial: a web app counting its visits in redis. */
const APP_PY = `import http.server, socket

def hits():
    with socket.create_connection(("redis", 6379), timeout=5) as s:
        s.sendall(b"INCR hits\\r\\n")
        return int(s.recv(64).decode().strip().lstrip(":"))

class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"Hello from compose! Seen {hits()} times.\\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

http.server.ThreadingHTTPServer(("", 8000), Hello).serve_forever()
`;
const COMPOSE_YAML = `services:
  web:
    image: python
    command: python3 /app/app.py
    volumes:
      - ./app.py:/app/app.py:ro
    ports:
      - "8000:8000"
    depends_on:
      - redis
  redis:
    image: redis
`;
/** A file written from the terminal, as base64 (a heredoc typed into a terminal is the shell's to mangle). */
const writeFile = (name: string, text: string) => `echo ${Buffer.from(text).toString('base64')} | base64 -d > ${name}`;

describe("today's Docker in the session", () => {
  const ctx = useSessionTerminal();

  test('docker version: engine and CLI 26, compose v2 and buildx are there', async () => {
    const v = await ctx.term.run("docker version --format '{{.Client.Version}} {{.Server.Version}}'; docker compose version; docker buildx version");
    assert.equal(v.exit, 0, v.output);
    assert.match(v.output, /^26\.\d+\.\d+\S* 26\.\d+\.\d+/m);
    assert.match(v.output, /^Docker Compose version v?2\./m);
    assert.match(v.output, /^github\.com\/docker\/buildx v?0\.\d+/m);
  });

  test('docker build . in ~ after a pull uses BuildKit by default (no DOCKER_BUILDKIT), and the image runs', async () => {
    const pulled = await ctx.term.run('docker pull -q busybox', 60_000);
    assert.equal(pulled.exit, 0, pulled.output);
    const built = await ctx.term.run(
      "cd ~ && printf 'FROM busybox\\nRUN echo built-by-buildkit > /made\\nCMD [\"cat\", \"/made\"]\\n' > Dockerfile && docker build -t kit . 2>&1",
      120_000,
    );
    assert.equal(built.exit, 0, built.output);
    // BuildKit's progress, not the legacy builder's "Step 1/2" nor its deprecation notice.
    assert.match(built.output, /\[2\/2\] RUN echo built-by-buildkit/);
    assert.match(built.output, /naming to docker\.io\/library\/kit/);
    assert.doesNotMatch(built.output, /Step 1\/|legacy builder|operation not permitted/);
    const ran = await ctx.term.run('docker run --rm kit');
    assert.equal(ran.exit, 0, ran.output);
    assert.match(ran.output, /^built-by-buildkit$/m);
  });

  test('docker buildx build --load builds with the default builder; buildx ls shows it running', async () => {
    const ls = await ctx.term.run('docker buildx ls');
    assert.equal(ls.exit, 0, ls.output);
    assert.match(ls.output, /^default\s*\*?\s+docker/m);
    assert.match(ls.output, /running/);
    const built = await ctx.term.run(
      "mkdir -p ~/bx && cd ~/bx && printf 'FROM busybox\\nRUN echo from-buildx > /made\\n' > Dockerfile && docker buildx build --load -t bx . 2>&1",
      120_000,
    );
    assert.equal(built.exit, 0, built.output);
    assert.match(built.output, /naming to docker\.io\/library\/bx/, built.output);
    await ctx.term.run('cd ~');
    const ran = await ctx.term.run('docker run --rm bx cat /made');
    assert.match(ran.output, /^from-buildx$/m);
  });

  test('docker compose up -d: web + redis, the published port reached through the port link; down cleans up', async () => {
    const up = await ctx.term.run(
      `mkdir -p ~/counter && cd ~/counter && ${writeFile('app.py', APP_PY)} && ${writeFile('compose.yaml', COMPOSE_YAML)} && docker compose up -d 2>&1`,
      180_000,
    );
    assert.equal(up.exit, 0, up.output);
    assert.match(up.output, /Container counter-redis-1\s+Started/);
    assert.match(up.output, /Container counter-web-1\s+Started/);
    await ctx.term.waitForEvent((e) => e.type === 'port' && e.port === 8000 && !e.closed, 15_000, 'port 8000');

    const link = await openPortLink(ctx.server, ctx.session, 8000);
    // The web service looks redis up by its service name and counts each visit there.
    const first = await eventually(async () => {
      const res = await fetch(link.url, { headers: { cookie: link.cookie } });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      return text;
    }, 30_000);
    const seen = Number(/Seen (\d+) times/.exec(first)?.[1]);
    assert.ok(seen >= 1, first);
    const second = await (await fetch(link.url, { headers: { cookie: link.cookie } })).text();
    assert.match(second, new RegExp(`^Hello from compose! Seen ${seen + 1} times\\.$`, 'm'));

    const ps = await ctx.term.run("docker compose ps --format '{{.Service}} {{.State}}' | sort");
    assert.match(ps.output, /^redis running\nweb running$/m);

    const down = await ctx.term.run('docker compose down 2>&1', 60_000);
    assert.equal(down.exit, 0, down.output);
    assert.match(down.output, /Network counter_default\s+Removed/);
    await ctx.term.run('cd ~');
    const left = await ctx.term.run("docker ps -aq | wc -l; docker network ls --format '{{.Name}}' | grep -c counter");
    assert.match(left.output, /^0\n0$/m, left.output);
    await ctx.term.waitForEvent((e) => e.type === 'port' && e.port === 8000 && e.closed === true, 15_000, 'port 8000 closed');
  });

  test('docker top lists the processes of a container, docker exec\'s too; docker stats --no-stream says why it has no figures', async () => {
    const run = await ctx.term.run("docker run -d --name topped busybox sh -c 'sleep 301 & sleep 302' && docker exec -d topped sleep 303", 30_000);
    assert.equal(run.exit, 0, run.output);
    const top = await eventually(async () => {
      const r = await ctx.term.run('docker top topped');
      assert.equal(r.exit, 0, r.output);
      assert.match(r.output, /sleep 303/);
      return r.output;
    }, 10_000);
    assert.match(top, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD/m);
    assert.match(top, /sleep 301/);
    assert.match(top, /sleep 302/);
    const psArgs = await ctx.term.run('docker top topped -o pid,args');
    assert.match(psArgs.output, /^\s*PID\s+COMMAND/m);
    assert.match(psArgs.output, /sleep 302/);

    // No cgroups, no figures: Docker prints zeros, and Berth's line below them says why.
    const start = ctx.term.text.length;
    const stats = await ctx.term.run('docker stats --no-stream');
    assert.equal(stats.exit, 0, stats.output);
    assert.match(stats.output, /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT/m);
    assert.match(stats.output, /\btopped\b/);
    await ctx.term.waitFor(() => /^Berth: docker stats has no figures here: .*docker top and docker ps do work\.$/m.test(ctx.term.text.slice(start)) || undefined, 10_000, "Berth's line on docker stats");
    const rm = await ctx.term.run('docker rm -f topped');
    assert.equal(rm.exit, 0, rm.output);
  });
});
