// The images in the mirror are used the way public tutorials use the official ones, inside a real session:
// same paths, same commands, and every tag names the version that is really inside.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually, openPortLink, useSessionTerminal } from '../helpers.js';

describe('images shaped like the official ones', () => {
  const ctx = useSessionTerminal();

  /** The page a port link shows, once the app in the session answers with something matching `want`. */
  async function pageThroughPortLink(port: number, want: RegExp): Promise<string> {
    const link = await openPortLink(ctx.server, ctx.session, port);
    return eventually(async () => {
      const page = await (await fetch(link.url, { headers: { cookie: link.cookie } })).text();
      assert.match(page, want);
      return page;
    }, 30_000);
  }

  test('nginx serves a bind-mounted /usr/share/nginx/html through a port link, and logs the request to docker logs', async () => {
    const r = await ctx.term.run(
      "mkdir -p ~/site && echo '<h1>My own page from the home folder</h1>' > ~/site/index.html && docker run -d --name site -v ~/site:/usr/share/nginx/html:ro -p 8080:80 nginx",
      120_000,
    );
    assert.equal(r.exit, 0, r.output);
    const page = await pageThroughPortLink(8080, /My own page/);
    assert.equal(page.trim(), '<h1>My own page from the home folder</h1>');
    assert.doesNotMatch(page, /Welcome to nginx/);
    const logs = await ctx.term.run('docker logs site 2>/dev/null | grep -c "GET / HTTP/1.1\\" 200"');
    assert.match(logs.output, /^[1-9]\d*$/m, 'the access log goes to stdout');
    await ctx.term.run('docker rm -f site >/dev/null');
  });

  test("nginx's defaults are the official ones: the welcome page at /, nginx.conf including conf.d/*.conf, SIGQUIT, port 80", async () => {
    const r = await ctx.term.run(
      'docker run --rm nginx sh -c "cat /usr/share/nginx/html/index.html; grep include /etc/nginx/nginx.conf; grep root /etc/nginx/conf.d/default.conf"; ' +
        'docker image inspect -f "{{.Config.StopSignal}} {{json .Config.ExposedPorts}} {{json .Config.Cmd}}" nginx',
      60_000,
    );
    assert.equal(r.exit, 0, r.output);
    assert.match(r.output, /<title>Welcome to nginx!<\/title>/);
    assert.match(r.output, /^\s*include \/etc\/nginx\/conf\.d\/\*\.conf;/m);
    assert.match(r.output, /^\s*root\s+\/usr\/share\/nginx\/html;/m);
    assert.match(r.output, /^SIGQUIT \{"80\/tcp":\{\}\} \["nginx","-g","daemon off;"\]$/m);
  });

  test('a Dockerfile that COPYs index.html into /usr/share/nginx/html builds an image that serves it', async () => {
    const r = await ctx.term.run(
      "mkdir -p ~/web && cd ~/web && echo '<h1>Built into the image</h1>' > index.html && printf 'FROM nginx\\nCOPY index.html /usr/share/nginx/html/\\n' > Dockerfile && docker build -q -t my-site . && docker run -d --name built -p 8081:80 my-site; cd ~",
      120_000,
    );
    assert.equal(r.exit, 0, r.output);
    const fetched = await ctx.term.run('for i in $(seq 50); do curl -fsS localhost:8081 && break; sleep 0.2; done');
    assert.equal(fetched.exit, 0, fetched.output);
    assert.match(fetched.output, /^<h1>Built into the image<\/h1>$/m);
    await ctx.term.run('docker rm -f built >/dev/null');
  });

  test('nginx renders /etc/nginx/templates/*.template with the environment, as the official entrypoint does', async () => {
    const r = await ctx.term.run(
      "mkdir -p ~/templates && printf 'server {\\n  listen 8000;\\n  location / { return 200 \"host is ${NGINX_HOST}\\\\n\"; }\\n}\\n' > ~/templates/hello.conf.template && " +
        'docker run -d --name tpl -e NGINX_HOST=example.test -v ~/templates:/etc/nginx/templates:ro -p 8082:8000 nginx',
      60_000,
    );
    assert.equal(r.exit, 0, r.output);
    const fetched = await ctx.term.run('for i in $(seq 50); do curl -fsS localhost:8082 && break; sleep 0.2; done');
    assert.equal(fetched.exit, 0, fetched.output);
    assert.match(fetched.output, /^host is example\.test$/m);
    await ctx.term.run('docker rm -f tpl >/dev/null');
  });

  test('redis:7 answers redis-cli ping', async () => {
    const r = await ctx.term.run('docker run -d --name cache redis:7 && for i in $(seq 50); do docker exec cache redis-cli ping 2>/dev/null | grep PONG && break; sleep 0.2; done', 120_000);
    assert.equal(r.exit, 0, r.output);
    assert.match(r.output, /^PONG$/m);
    await ctx.term.run('docker rm -f cache >/dev/null');
  });

  test('redis started with its own options (redis-server --appendonly yes) takes connections from another container and persists to /data', async () => {
    const r = await ctx.term.run(
      'docker network create rnet >/dev/null && docker run -d --name some-redis --network rnet redis redis-server --appendonly yes >/dev/null && ' +
        'for i in $(seq 50); do docker run --rm --network rnet redis redis-cli -h some-redis set greeting hello 2>/dev/null | grep -x OK && break; sleep 0.3; done && ' +
        'docker exec some-redis sh -c "ls /data; stat -c %U /data"',
      120_000,
    );
    assert.equal(r.exit, 0, r.output);
    assert.match(r.output, /^OK$/m, 'protected mode would answer DENIED');
    assert.match(r.output, /^appendonlydir$/m);
    assert.match(r.output, /^redis$/m);
    await ctx.term.run('docker rm -f some-redis >/dev/null; docker network rm rnet >/dev/null');
  });

  test('registry:2 in the session takes a push of a local image and gives it back on pull', async () => {
    const r = await ctx.term.run(
      'docker run -d -p 5000:5000 --name reg registry:2 && docker pull -q busybox && docker tag busybox localhost:5000/my-busybox && ' +
        'for i in $(seq 50); do curl -fsS localhost:5000/v2/ >/dev/null && break; sleep 0.2; done && docker push localhost:5000/my-busybox && ' +
        'docker rmi localhost:5000/my-busybox && docker pull localhost:5000/my-busybox && docker run --rm localhost:5000/my-busybox echo pulled-back-from-my-registry && ' +
        'curl -fsS localhost:5000/v2/_catalog',
      120_000,
    );
    assert.equal(r.exit, 0, r.output);
    assert.match(r.output, /^pulled-back-from-my-registry$/m);
    assert.match(r.output, /\{"repositories":\["my-busybox"\]\}/);
    await ctx.term.run('docker rm -f reg >/dev/null');
  });

  test('httpd:2.4 serves a bind-mounted /usr/local/apache2/htdocs and logs to docker logs', async () => {
    const r = await ctx.term.run(
      "mkdir -p ~/public-html && echo '<p>Apache serves my folder</p>' > ~/public-html/index.html && docker run -d --name apache -p 8083:80 -v ~/public-html:/usr/local/apache2/htdocs/:ro httpd:2.4",
      120_000,
    );
    assert.equal(r.exit, 0, r.output);
    const page = await pageThroughPortLink(8083, /Apache serves my folder/);
    assert.equal(page.trim(), '<p>Apache serves my folder</p>');
    const logs = await ctx.term.run('docker logs apache 2>/dev/null | grep -c "GET / HTTP/1.1\\" 200"; docker image inspect -f "{{json .Config.Cmd}} {{.Config.WorkingDir}}" httpd:2.4');
    assert.match(logs.output, /^[1-9]\d*$/m, 'the access log goes to stdout');
    assert.match(logs.output, /^\["httpd-foreground"\] \/usr\/local\/apache2$/m);
    await ctx.term.run('docker rm -f apache >/dev/null');
  });

  test('python runs a one-liner, a script from a Dockerfile with WORKDIR, and makes a venv', async () => {
    const oneLiner = await ctx.term.run(`docker run --rm python:3.11 python -c 'import sys; print("py", sys.version_info[0], sys.version_info[1])'`, 120_000);
    assert.equal(oneLiner.exit, 0, oneLiner.output);
    assert.match(oneLiner.output, /^py 3 11$/m);
    const built = await ctx.term.run(
      "mkdir -p ~/pyapp && cd ~/pyapp && echo 'print(\"hello from app.py\")' > app.py && printf 'FROM python:3\\nWORKDIR /app\\nCOPY app.py .\\nCMD [\"python\", \"app.py\"]\\n' > Dockerfile && docker build -q -t pyapp . && docker run --rm pyapp; cd ~",
      120_000,
    );
    assert.equal(built.exit, 0, built.output);
    assert.match(built.output, /^hello from app\.py$/m);
    const venv = await ctx.term.run(`docker run --rm python sh -c 'python -m venv /tmp/env && /tmp/env/bin/pip --version'`, 60_000);
    assert.equal(venv.exit, 0, venv.output);
    assert.match(venv.output, /^pip \d+\.\d+.* from \/tmp\/env\/lib\/python3\.11\/site-packages\/pip/m);
  });

  test('every version tag names the version inside', async () => {
    const checks: [string, string, RegExp][] = [
      ['nginx:1.22', 'nginx -v 2>&1', /^nginx version: nginx\/1\.22\.\d+/m],
      ['nginx:1', 'nginx -v 2>&1', /^nginx version: nginx\/1\./m],
      ['redis:7.0', 'redis-server --version', /^Redis server v=7\.0\.\d+/m],
      ['registry:2.8', 'docker-registry --version', /\sv?2\.8\.\d+/m],
      ['busybox:1.35', 'busybox | head -n 1', /^BusyBox v1\.35\.\d+/m],
      ['debian:bookworm-slim', 'cat /etc/debian_version', /^12\.\d+$/m],
      ['httpd:2.4', 'httpd -v', /^Server version: Apache\/2\.4\.\d+/m],
      ['python:3.11-slim', 'python --version', /^Python 3\.11\.\d+$/m],
    ];
    for (const [image, command, want] of checks) {
      const r = await ctx.term.run(`docker run --rm ${image} sh -c '${command}'`, 120_000);
      assert.equal(r.exit, 0, `${image}: ${r.output}`);
      assert.match(r.output, want, image);
    }
  });
});
