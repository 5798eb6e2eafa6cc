// node and golang from the mirror, used as tutorials use the official images, inside a real session: a node
// one-liner and a script run by the entrypoint, npm and yarn on PATH, the node user; a Go program built in a
// container and by a two-stage Dockerfile; every tag naming the version inside.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useSessionTerminal } from '../helpers.js';
import { removeAll, succeeds, versionsInside } from './image-use.js';

describe('node and golang images', () => {
  const ctx = useSessionTerminal();

  test('node:18 runs a one-liner; npm and yarn are on PATH; the node user is 1000; CMD is node and there is no WORKDIR', async () => {
    const out = await succeeds(ctx.term, `docker run --rm node:18 node -e 'console.log("node", process.versions.node.split(".")[0], 6 * 7)'`);
    assert.match(out, /^node 18 42$/m);
    const tools = await succeeds(ctx.term, 'docker run --rm node:18 sh -c \'npm --version && yarn --version && id node && echo wd=$(pwd)\'; docker image inspect -f "{{json .Config.Cmd}} [{{.Config.WorkingDir}}]" node:18');
    assert.match(tools, /^\d+\.\d+\.\d+\n\d+\.\d+\.\d+\n/m, 'npm, then yarn, print their versions');
    assert.match(tools, /^uid=1000\(node\) gid=1000\(node\)/m);
    assert.match(tools, /^wd=\/$/m);
    assert.match(tools, /^\["node"\] \[\]$/m);
  });

  test('node runs a mounted script by name (docker run -v "$PWD":/app -w /app node:20 server.js), as the official entrypoint does', async () => {
    const out = await succeeds(
      ctx.term,
      `mkdir -p ~/nodeapp && cd ~/nodeapp && echo 'console.log("hello from " + require("path").basename(__filename) + " on node " + process.version)' > server.js && docker run --rm -v "$PWD":/app -w /app node:20 server.js; cd ~`,
    );
    assert.match(out, /^hello from server\.js on node v20\.\d+\.\d+$/m);
  });

  test('node tags name the version inside', async () => {
    await versionsInside(ctx.term, [
      ['node:18-slim', 'node --version', /^v18\.\d+\.\d+$/m],
      ['node:20-trixie', 'node --version; cat /etc/debian_version', /^v20\.\d+\.\d+\n13\.\d+$/m],
    ]);
    await removeAll(ctx.term, { images: ['node:18', 'node:18-slim', 'node:20', 'node:20-trixie'] });
  });

  test('a Go hello world builds in a golang container (GOPATH /go, WORKDIR /go) and runs in the shell', async () => {
    const out = await succeeds(
      ctx.term,
      `mkdir -p ~/hello && cd ~/hello && printf 'package main\\n\\nimport "fmt"\\n\\nfunc main() { fmt.Println("hello from go") }\\n' > main.go && ` +
        'docker run --rm -v "$PWD":/src -w /src -e CGO_ENABLED=0 golang:1.24 sh -c "go mod init example.com/hello && go build -o hello . && go env GOPATH && go version" && ./hello; ' +
        'docker image inspect -f "{{.Config.WorkingDir}}" golang:1.24; cd ~',
    );
    assert.match(out, /^\/go$/m, 'GOPATH');
    assert.match(out, /^go version go1\.24\.\d+ linux\/amd64$/m);
    assert.match(out, /^hello from go$/m, 'the binary built in the container runs in the shell');
    assert.match(out.trim(), /\n\/go$/, 'WORKDIR /go');
  });

  test('a two-stage Dockerfile (FROM golang AS build, then FROM debian) builds a small image that runs the program', async () => {
    const out = await succeeds(
      ctx.term,
      'cd ~/hello && printf \'FROM golang:1.24 AS build\\nWORKDIR /src\\nCOPY . .\\nRUN go build -o /hello .\\n\\nFROM debian:bookworm-slim\\nCOPY --from=build /hello /usr/local/bin/hello\\nCMD ["hello"]\\n\' > Dockerfile && ' +
        'docker build -q -t hello-go . && docker run --rm hello-go; cd ~',
    );
    assert.match(out, /^hello from go$/m);
    await removeAll(ctx.term, { images: ['hello-go', 'golang:1.24'] });
  });
});
