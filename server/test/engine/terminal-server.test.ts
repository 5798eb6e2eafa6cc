// Terminals through the sandbox's terminal server (native/session/berth-term.c): one TCP connection per shell
// to the sandbox's own address, Engine API exec only when it does not answer. The visitor runs as the same uid
// as berth-term and may kill it, replace it, or talk to it from their own containers.
import assert from 'node:assert/strict';
import { resize } from '@berth/shared';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { createRuntime } from '../../src/app.js';
import { checkRunner } from '../../src/lessons/run-check.js';
import type { ShellStream } from '../../src/runtime/runtime.js';
import { openFrame, openServedShell, TERMINAL_SERVER_PORT } from '../../src/runtime/terminal-server.js';
import { createSession, eventually, fetchMetrics, portTicket, startTestServer, TerminalClient, type CreatedSession, type TestServer } from '../helpers.js';

/** Output of a shell's stream until it ends (or timeoutMs). */
function readAll(stream: NodeJS.ReadableStream, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = () => resolve(text);
    const timer = setTimeout(done, timeoutMs);
    stream.on('data', (c: Buffer) => (text += c.toString()));
    stream.on('end', () => (clearTimeout(timer), done()));
    stream.on('close', () => (clearTimeout(timer), done()));
  });
}

describe('terminals through the sandbox\'s terminal server', () => {
  let server: TestServer;
  let s: CreatedSession;
  let term: TerminalClient;
  /** How each shell the server opened reached its sandbox, in order, per session. */
  const vias = new Map<string, ShellStream['via'][]>();
  const lastVia = (id: string) => vias.get(id)?.at(-1);

  const ok = async (command: string, timeoutMs = 60_000) => {
    const r = await term.run(command, timeoutMs);
    assert.equal(r.exit, 0, `${command}\n${r.output}`);
    return r.output;
  };

  /** A lesson's check as the app runs it; what the visitor was told, if anything. */
  const told: string[] = [];
  const check = (script: string) => checkRunner(server.berth.runtime, server.berth.app.log, (_id, m) => void told.push(m))(s.id, script, 30_000);
  /** Engine API execs started in the session's sandbox while `work` ran. */
  const execsDuring = async (work: () => Promise<void>) => {
    const docker = new Docker({ socketPath: server.config.engineSocket });
    const since = Math.floor(Date.now() / 1000);
    await work();
    await new Promise((r) => setTimeout(r, 1100)); // events are filed by the second
    const until = Math.ceil(Date.now() / 1000);
    const events = (await docker.getEvents({ since, until, filters: { type: ['container'], event: ['exec_create'] } })) as unknown as NodeJS.ReadableStream;
    let text = '';
    for await (const c of events) text += c.toString();
    return text.split('\n').filter((l) => l.includes(s.id)).length;
  };

  before(async () => {
    server = await startTestServer();
    const runtime = server.berth.runtime;
    const openShell = runtime.openShell.bind(runtime);
    runtime.openShell = async (id, size, env) => {
      const shell = await openShell(id, size, env);
      vias.set(id, [...(vias.get(id) ?? []), shell.via]);
      return shell;
    };
    s = await createSession(server);
    term = await TerminalClient.connect(server, s);
    await term.ready(60_000);
  });
  after(async () => {
    await term?.close();
    await server?.close();
  });

  test('a terminal\'s shell comes through the terminal server, and types, prints and resizes', async () => {
    assert.equal(lastVia(s.id), 'terminal-server');
    assert.match(await ok('echo answer-$((6*7)); id -u'), /^answer-42\n1000$/);
    term.ws.send(resize(111, 33));
    await eventually(async () => assert.match(await ok('stty size'), /^33 111$/m), 10_000);
  });

  test('the served shell is the one exec gives: same user, limits, folder, environment and namespaces', async () => {
    const probe = 'cd; { id; ulimit -u; pwd; tty >/dev/null && echo has-a-tty; readlink /proc/$$/ns/net /proc/$$/ns/mnt; env | grep -v -e ^_= -e ^BERTH_SHELL_NONCE= -e ^OLDPWD= -e ^SHLVL= -e ^__berth_shell_pid= | sort; }';
    await ok(`${probe} > /tmp/served.txt`);
    const byExec = createRuntime(server.config, { terminal: 'exec' });
    const shell = await byExec.openShell(s.id, { cols: 80, rows: 24 });
    assert.equal(shell.via, 'exec');
    const ended = readAll(shell.stream, 30_000);
    shell.stream.write(`${probe} > /tmp/exec.txt; exit\r`);
    await ended;
    await shell.kill();
    const diff = await term.run('diff /tmp/exec.txt /tmp/served.txt && wc -l < /tmp/served.txt', 20_000);
    assert.equal(diff.exit, 0, diff.output);
    assert.ok(Number(diff.output.trim()) > 10, diff.output);
  });

  test('port 61022 is Berth\'s: not among the session\'s ports, and no port link reaches it', async () => {
    assert.ok(!(await server.berth.runtime.listeningPorts(s.id)).includes(TERMINAL_SERVER_PORT));
    const r = await fetch(`${server.url}/api/sessions/${s.id}/ports/${TERMINAL_SERVER_PORT}/ticket`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` } });
    assert.equal(r.status, 400);
    assert.match(((await r.json()) as { message: string }).message, /Port 61022 is where Berth's terminal reaches your sandbox/);
    await assert.rejects(portTicket(server, s, TERMINAL_SERVER_PORT));
  });

  test('the visitor\'s own containers cannot open a shell through the terminal server; the host can', async () => {
    const address = await server.berth.runtime.address(s.id);
    const frame = openFrame({ cols: 80, rows: 24, cwd: '/', env: [], argv: ['sh', '-c', 'echo reached-$((1+1))'] });
    // The host (the session bridge's gateway) is answered: the preamble, then the program's output.
    const fromHost = await openServedShell(address, { cols: 80, rows: 24, cwd: '/', env: [], argv: ['sh', '-c', 'echo reached-$((1+1))'] });
    assert.ok(fromHost, 'the host reaches the terminal server');
    assert.match(await readAll(fromHost.stream, 10_000), /reached-2/);
    // The same bytes from a container in the sandbox (through slirp, from the sandbox's own address): nothing,
    // though the same container reaches an app the visitor serves on that address.
    await ok('docker pull -q busybox >/dev/null && docker pull -q nginx >/dev/null && docker run -d --name control -p 8123:80 nginx >/dev/null');
    await ok('for i in $(seq 50); do curl -fsS -m 2 -o /dev/null http://127.0.0.1:8123/ && break; sleep 0.2; done');
    const octal = [...frame].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
    const out = await ok(`docker run --rm busybox sh -c "wget -q -O /dev/null http://${address}:8123/ && echo app-reached; printf '${octal}' | timeout 10 nc ${address} ${TERMINAL_SERVER_PORT} | wc -c"`, 60_000);
    assert.match(out, /^app-reached\n\s*0$/, out);
  });

  test('a lesson\'s check runs through the terminal server, not as an engine exec: its exit status, nothing told', async () => {
    await ok('mkdir -p ~/site && echo hi > ~/site/index.html');
    let results: number[] = [];
    const execs = await execsDuring(async () => {
      results = [await check('test -f site/index.html && docker info >/dev/null'), await check('grep -q nothing site/index.html'), await check('exit 7')];
    });
    assert.deepEqual(results, [0, 1, 7]);
    assert.equal(execs, 0, 'engine execs while three checks ran');
    assert.deepEqual(told, []);
  });

  test('a visitor who kills the terminal server gets a working shell back, by exec', async () => {
    term.type('pkill -x berth-term\r');
    await term.waitForText(/\[the shell exited; here is a new one\][^]*\$ $/, 30_000);
    assert.match(await ok('echo back-$((40+2))'), /^back-42$/m);
    assert.equal(lastVia(s.id), 'exec');
    assert.equal((await ok('pgrep -x berth-term || echo none')).trim(), 'none');
    // The operator sees it: the shells by exec are counted apart.
    const metrics = await fetchMetrics(server.url);
    assert.match(metrics, /^berth_shells_opened_total\{via="terminal-server"\} 1$/m);
    assert.match(metrics, /^berth_shells_opened_total\{via="exec"\} 1$/m);
  });

  test('with the terminal server killed, a check runs by exec and says the same', async () => {
    let results: number[] = [];
    const execs = await execsDuring(async () => {
      results = [await check('test -f site/index.html && docker info >/dev/null'), await check('exit 7')];
    });
    assert.deepEqual(results, [0, 7]);
    assert.ok(execs >= 2, `${execs} engine execs`);
  });

  test('a visitor who puts their own server on its port gets a working shell, by exec; what answers is never taken for a shell', async () => {
    await ok('docker run -d --name stand-in -p 61022:80 nginx >/dev/null');
    await ok('for i in $(seq 50); do curl -fsS -m 2 -o /dev/null http://127.0.0.1:61022/ && break; sleep 0.2; done');
    const before = vias.get(s.id)!.length;
    term.restartShell();
    await eventually(() => assert.equal(vias.get(s.id)!.length, before + 1), 20_000);
    assert.equal(lastVia(s.id), 'exec');
    await eventually(async () => assert.match(await ok('echo still-$((2*3))', 20_000), /^still-6$/m), 30_000);
    // nginx did hear the host's request, and answered it with an error the host did not show as a shell.
    assert.match(await ok('docker logs stand-in 2>&1 | tail -n 3'), /" 400 /);
  });
});
