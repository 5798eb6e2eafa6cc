// Lesson checks made fast tick exactly when the step is done: those that read the engine's layers instead of
// running an image or `docker diff` (a few ms instead of up to a second), and those that ask one
// `docker container inspect` what took two or three docker commands (~60 ms each). The lessons' own check
// scripts, run as the lessons run them, in a real sandbox, before and after the learner's work and after work
// that only looks like it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkRunner } from '../../src/lessons/run-check.js';
import { useReadySession } from '../helpers.js';

describe('fast lesson checks', () => {
  const ctx = useReadySession();
  const check = (lesson: string, step: string) => {
    const goal = ctx.server.berth.lessons.lessons.find((l) => l.id === lesson)!.steps.find((s) => s.id === step)!.goals[0]!;
    assert.equal(goal.type, 'check');
    return goal.type === 'check' ? goal.script : '';
  };
  const ticks = async (lesson: string, step: string) => {
    const run = checkRunner(ctx.server.berth.runtime, console, () => {});
    return (await run(ctx.session.id, check(lesson, step), 30_000)) === 0;
  };
  const visitor = async (script: string) => {
    const r = await ctx.server.berth.runtime.exec(ctx.session.id, ['bash', '-c', script], { timeoutMs: 180_000 });
    assert.equal(r.exitCode, 0, `${script}\n${r.output}`);
  };

  test('classic-tour: "install" ticks only when the last container added ping; "commit" only for an image learn/ping that has it', async () => {
    await visitor('docker pull -q debian >/dev/null');
    assert.equal(await ticks('classic-tour', 'commit'), false, 'no image learn/ping');
    await visitor('docker tag debian learn/ping');
    assert.equal(await ticks('classic-tour', 'commit'), false, 'plain debian named learn/ping');
    await visitor('docker rmi learn/ping >/dev/null && docker run --name pinger debian bash -c "apt-get update -qq >/dev/null && apt-get install -y -qq iputils-ping >/dev/null"');
    assert.equal(await ticks('classic-tour', 'install'), true, 'the last container installed ping');
    await visitor('docker commit pinger learn/ping >/dev/null');
    assert.equal(await ticks('classic-tour', 'commit'), true, 'committed with ping');
    await visitor('printf "FROM learn/ping\\nRUN rm /usr/bin/ping\\n" | docker build -q -t learn/ping - >/dev/null');
    assert.equal(await ticks('classic-tour', 'commit'), false, 'ping deleted by a layer above the one that added it');
    await visitor('docker run --name other debian true');
    assert.equal(await ticks('classic-tour', 'install'), false, 'the last container installed nothing');
  });

  test('commit: "install" ticks only when figlet-box added figlet (a link to its alternative); layers: "write-one" only when one wrote /etc/motd', async () => {
    await visitor('docker run --name figlet-box debian true');
    assert.equal(await ticks('commit', 'install'), false, 'figlet-box without figlet');
    await visitor('docker rm figlet-box >/dev/null && docker run --name figlet-box debian bash -c "apt-get update -qq >/dev/null && apt-get install -y -qq figlet >/dev/null"');
    assert.equal(await ticks('commit', 'install'), true, 'figlet installed');
    await visitor('docker run --name one debian cat /etc/motd >/dev/null');
    assert.equal(await ticks('layers', 'write-one'), false, 'one only read /etc/motd');
    await visitor('docker rm one >/dev/null && docker run --name one debian sh -c "echo hello > /etc/motd"');
    assert.equal(await ticks('layers', 'write-one'), true, 'one wrote /etc/motd');
  });

  test('ports: "run-nginx" ticks only for a running web published on 8080; networking: "user-network" only for a running api on appnet; volumes: "bind-mount" only for a read-only bind of ~/site', async () => {
    await visitor('docker pull -q nginx >/dev/null && mkdir -p ~/site && docker network create appnet >/dev/null');
    await visitor('docker run -d --name web -p 8081:80 nginx >/dev/null');
    assert.equal(await ticks('ports', 'run-nginx'), false, 'published on 8081');
    await visitor('docker rm -f web >/dev/null && docker create --name web -p 8080:80 nginx >/dev/null');
    assert.equal(await ticks('ports', 'run-nginx'), false, 'made but not started');
    await visitor('docker start web >/dev/null');
    assert.equal(await ticks('ports', 'run-nginx'), true, 'running, 80 published on 8080');
    await visitor('docker run -d --name api nginx >/dev/null');
    assert.equal(await ticks('networking', 'user-network'), false, 'api on the default bridge');
    await visitor('docker network connect appnet api');
    assert.equal(await ticks('networking', 'user-network'), true, 'api running on appnet');
    await visitor('docker stop -t 0 api >/dev/null');
    assert.equal(await ticks('networking', 'user-network'), false, 'api stopped');
    await visitor('docker run -d --name site -v ~/site:/usr/share/nginx/html nginx >/dev/null');
    assert.equal(await ticks('volumes', 'bind-mount'), false, 'a bind mount the container may write');
    await visitor('docker rm -f site >/dev/null && docker run -d --name site -v ~/site:/usr/share/nginx/html:ro nginx >/dev/null');
    assert.equal(await ticks('volumes', 'bind-mount'), true, 'a read-only bind of ~/site');
  });
});
