// `berth <command>`: start, stop, prepare, check, test, bench, soak, lessons, images, service, admin, cluster, uninstall. Reached through scripts/berth.mjs.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { loadConfig, type Config } from './config.js';
import { claimInstance } from './control/instance-control.js';
import { ensureHostPackages, HostNotReadyError } from './host/host-packages.js';
import { ensureHostServices, hostPaths } from './host/host-services.js';
import { MIRROR_PUSH_ADDR } from './host/mirror.js';
import { uninstallHost } from './host/uninstall.js';
import { requireWorkingSandbox } from './host/canary.js';
import { startServer } from './server.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const say = (section: string) => (line: string) => console.log(`[${section}] ${line}`);

export function runStep(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: 'inherit', env });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.on('error', () => resolve(127));
  });
}

/** Host packages, host services, images, web bundle: everything the server needs, then proof that a sandbox works. */
export async function prepare(config: Config): Promise<void> {
  if (config.manageHost) {
    if (process.getuid?.() !== 0) {
      throw new HostNotReadyError('Berth manages a Docker engine, loop disks and firewall rules, so it must run as root (sudo -E npm start).');
    }
    await ensureHostPackages(say('host'));
    await ensureHostServices(config, say('host'));
  }
  const paths = hostPaths(config);
  const images = await runStep('bash', [path.join(repoRoot, 'native', 'build-images.sh')], {
    ...process.env,
    BERTH_ENGINE_SOCK: config.engineSocket,
    BERTH_DATA: config.dataDir,
    BERTH_SERVICE_IP: config.serviceIp,
    BERTH_SECCOMP_PROFILE: paths.seccompProfile,
    BERTH_MIRROR_PUSH_ADDR: MIRROR_PUSH_ADDR,
    BERTH_MIRROR_PUSH_CONFIG: paths.mirrorPushConfig,
  });
  if (images !== 0) throw new Error('building the images failed (see the lines above)');
  if (config.runtime === 'lxd') {
    // LXD, its pool, the sandboxes' bridge and firewall, and the session image imported from the engine's.
    const lxd = await runStep('bash', [path.join(repoRoot, 'native', 'lxd', 'lxd-host.sh'), 'up'], { ...process.env, BERTH_ENGINE_SOCK: config.engineSocket, BERTH_SERVICE_IP: config.serviceIp });
    if (lxd !== 0) throw new Error('setting up LXD for the lxd runtime failed (see the lines above)');
  }
  say('web')('building the page (vite)');
  if ((await runStep('npm', ['run', 'build', '--silent', '-w', 'web'])) !== 0) throw new Error('building the web page failed');
  await requireWorkingSandbox(config, say('check'));
}

async function main(argv: string[]): Promise<number> {
  const [command = 'start', ...rest] = argv;
  const config = loadConfig();
  switch (command) {
    case 'start': {
      // Before preparing the host: a second server of a served instance stops here, having touched nothing.
      const claim = await claimInstance(config);
      await prepare(config);
      say('server')(`starting on port ${config.port}`);
      await startServer(process.env, claim);
      return -1; // keep running
    }
    case 'stop': {
      const { stopInstance } = await import('./control/stop-instance.js');
      return stopInstance(config, rest.includes('--end-sessions'), say('stop'));
    }
    case 'prepare':
      await prepare(config);
      return 0;
    case 'check':
      await requireWorkingSandbox(config, say('check'));
      return 0;
    case 'test': {
      const { runTests } = await import('./test-runner.js');
      if (!rest.includes('--no-prepare')) await prepare(config);
      return runTests(rest.filter((a) => a !== '--no-prepare'));
    }
    case 'lessons': {
      const [sub, ...args] = rest;
      const { lessonsCheck, lessonsTest } = await import('./lessons/lessons-cli.js');
      if (sub === 'check') return lessonsCheck(args[0] ?? config.lessonsDir);
      if (sub === 'test') {
        const dirAt = args.indexOf('--dir');
        const dir = dirAt >= 0 ? args[dirAt + 1] : undefined;
        if (dirAt >= 0 && !dir) throw new Error('--dir needs a lessons folder');
        const flags = ['--no-prepare', '--through'];
        const ids = args.filter((a, i) => !flags.includes(a) && (dirAt < 0 || (i !== dirAt && i !== dirAt + 1)));
        if (!args.includes('--no-prepare')) await prepare(config);
        return lessonsTest(config, ids, dir, undefined, args.includes('--through'));
      }
      if (sub === 'import') {
        const { lessonsImport } = await import('./lessons/import/import-cli.js');
        return lessonsImport(args, config);
      }
      console.error('Usage: berth lessons check [dir] | berth lessons test [lesson ids] [--dir <lessons folder>] [--through] [--no-prepare] | berth lessons import <scenario folder> [--out <lesson folder>]');
      return 2;
    }
    case 'bench': {
      const { runBench } = await import('./bench/run-bench.js');
      if (!rest.includes('--no-prepare')) await prepare(config);
      // Names pick parts: berth bench exhaustion, berth bench cold warm echo verdict many.
      return runBench(config, rest.filter((a) => !a.startsWith('--')));
    }
    case 'soak': {
      const { runSoak } = await import('./soak/run-soak.js');
      const flag = (name: string) => {
        const i = rest.indexOf(name);
        const n = i < 0 ? undefined : Number(rest[i + 1]);
        if (n !== undefined && !(n > 0)) throw new Error(`${name} needs a number above 0`);
        return n;
      };
      const seconds = flag('--seconds') ?? (flag('--minutes') ?? 10) * 60;
      if (!rest.includes('--no-prepare')) await prepare(config);
      return runSoak(config, { durationMs: seconds * 1000, visitors: flag('--visitors') ?? 3, seed: flag('--seed') });
    }
    case 'images': {
      const { imagesCommand } = await import('./images/images-cli.js');
      return imagesCommand(rest, config, say('images'));
    }
    case 'service': {
      const { serviceCommand } = await import('./service/install-service.js');
      return serviceCommand(rest, config, say('service'));
    }
    case 'admin': {
      const { adminCommand } = await import('./people/admin-command.js');
      return adminCommand(rest, config);
    }
    case 'cluster': {
      const [sub, ...args] = rest;
      const setup = () => import('./runtime/lxd/cluster-setup.js');
      if (sub === 'init') {
        // The first machine: the lxd runtime set up as `berth prepare` does, then the cluster founded on it.
        await prepare({ ...config, runtime: 'lxd' });
        await (await setup()).clusterInit(args, runStep, say('cluster'));
        return 0;
      }
      if (sub === 'add') {
        console.log(await (await setup()).clusterAdd(args, config.lxd.socket));
        return 0;
      }
      if (sub === 'join') {
        await (await setup()).clusterJoin(args, runStep, say('cluster'));
        return 0;
      }
      if (sub === 'leave') {
        await (await setup()).clusterLeave(runStep);
        return 0;
      }
      if (sub !== 'status') {
        console.error('Usage: berth cluster init [--name <name>] [--address <address>] | add <name> | join <token> [--name <name>] [--address <address>] [--services <first machine>] | leave | status');
        return 2;
      }
      const { clusterStatus, clusterStatusText } = await import('./runtime/lxd/cluster-status.js');
      const members = await clusterStatus(config.lxd.socket, config.instance);
      console.log(clusterStatusText(members, config.lxd.socket, config.lxd.member));
      return members && members.some((m) => m.status !== 'Online') ? 1 : 0;
    }
    case 'uninstall':
      await uninstallHost(config, say('uninstall'), { keepData: rest.includes('--keep-data') });
      return 0;
    default:
      console.error(`Unknown command "${command}". Commands: start, stop [--end-sessions], prepare, check, test, bench, soak [--minutes N | --seconds N] [--visitors N] [--seed N], lessons check|test|import, images list|pull|import, service install|uninstall, admin create|remove --email <email> [--name <name>], cluster init|add|join|leave|status, uninstall [--keep-data]`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: Error) => {
    console.error(`\nberth: ${err.message}`);
    process.exit(1);
  },
);
