// What a visitor types in the tutorial works against their own engine, through the real terminal.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useSessionTerminal } from '../helpers.js';

describe('docker inside a session', () => {
  const ctx = useSessionTerminal();

  test('docker version talks to the session engine', async () => {
    const r = await ctx.term.run('docker version --format "{{.Server.Version}} {{.Client.Version}}"');
    assert.equal(r.exit, 0, r.output);
    assert.match(r.output, /^\d+\.\d+\.\d+\S* \d+\.\d+/m);
  });

  test('docker run hello-world prints the greeting', async () => {
    const r = await ctx.term.run('docker run --rm hello-world');
    assert.equal(r.exit, 0, r.output);
    assert.match(r.output, /Hello from Docker!/);
  });

  test('docker run -it debian bash gives an interactive shell in a nested container', async () => {
    ctx.term.type('docker run -it --rm --name inner debian bash\r');
    await ctx.term.waitForText(/root@[0-9a-f]{12}:\/# $/m, 30_000);
    const r = await ctx.term.run('cat /etc/debian_version; id -u');
    assert.match(r.output, /^12\.\d+/m);
    assert.match(r.output, /^0$/m);
    ctx.term.type('exit\r');
    // Back at the session's own prompt before typing on.
    await ctx.term.waitFor(() => /\nexit\n[^]*user@berth:~\$ $/.test(ctx.term.text.slice(-300)), 15_000, 'the session prompt');
    const after = await ctx.term.run('docker ps -a --filter name=inner --format "{{.Names}}" | wc -l');
    assert.match(after.output, /^0$/m);
  });

  test('Ctrl-P Ctrl-Q detaches from docker run -it and docker attach gets back in', async () => {
    ctx.term.type('docker run -it --name detachable debian bash\r');
    await ctx.term.waitForText(/root@[0-9a-f]{12}:\/# $/m, 30_000);
    ctx.term.type('\x10\x11');
    await ctx.term.waitFor(() => /root@[0-9a-f]{12}:\/# (read escape sequence)?\s*user@berth:~\$ $/.test(ctx.term.text.slice(-300)), 10_000, 'back at the session prompt');
    const running = await ctx.term.run('docker inspect -f "{{.State.Running}}" detachable');
    assert.match(running.output, /^true$/m, 'the container kept running');
    assert.doesNotMatch(ctx.term.text, /the shell exited/);
    await ctx.term.run('docker rm -f detachable');
  });

  test('docker run -d -p 8080:80 nginx is reachable with curl localhost:8080', async () => {
    const started = await ctx.term.run('docker run -d -p 8080:80 --name web nginx');
    assert.equal(started.exit, 0, started.output);
    const r = await ctx.term.run('for i in $(seq 50); do curl -fsS localhost:8080 && break; sleep 0.2; done');
    assert.equal(r.exit, 0, r.output);
    assert.match(r.output, /<title>Welcome to nginx!<\/title>/);
  });

  test('docker build builds an image from a Dockerfile and runs it', async () => {
    const r = await ctx.term.run(
      "mkdir -p ~/app && cd ~/app && printf 'FROM busybox\\nRUN echo built-by-berth > /msg\\nCMD [\"cat\", \"/msg\"]\\n' > Dockerfile && docker build -q -t myapp . && docker run --rm myapp; cd ~",
      60_000,
    );
    assert.equal(r.exit, 0, r.output);
    assert.match(r.output, /^built-by-berth$/m);
  });

  test('docker commit saves a changed container as a new image', async () => {
    const r = await ctx.term.run(
      'docker run --name changed busybox sh -c "echo committed > /note" && docker commit -m "add a note" changed noted && docker run --rm noted cat /note',
    );
    assert.equal(r.exit, 0, r.output);
    assert.match(r.output, /^committed$/m);
  });

  test('apt-get install works offline in a nested debian container', async () => {
    const r = await ctx.term.run('docker run --rm debian sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends cowsay >/dev/null && /usr/games/cowsay moo"', 120_000);
    assert.equal(r.exit, 0, r.output);
    assert.match(r.output, /< moo >/);
  });

  test('docker network create and docker volume create work, and containers find each other by name', async () => {
    const r = await ctx.term.run(
      'docker network create appnet && docker volume create data && docker run -d --name db --network appnet -v data:/data redis && sleep 1 && docker run --rm --network appnet redis redis-cli -h db ping',
      60_000,
    );
    assert.equal(r.exit, 0, r.output);
    assert.match(r.output, /^PONG$/m);
  });

  test('an image can be pushed to a registry started inside the session and pulled back', async () => {
    const r = await ctx.term.run(
      'docker run -d -p 5000:5000 --name reg registry && for i in $(seq 50); do curl -fs localhost:5000/v2/ >/dev/null && break; sleep 0.2; done && docker tag busybox localhost:5000/mybox:1 && docker push localhost:5000/mybox:1 && docker rmi localhost:5000/mybox:1 && docker pull localhost:5000/mybox:1 && curl -s localhost:5000/v2/_catalog',
      60_000,
    );
    assert.equal(r.exit, 0, r.output);
    assert.match(r.output, /"repositories":\["mybox"\]/);
  });
});
