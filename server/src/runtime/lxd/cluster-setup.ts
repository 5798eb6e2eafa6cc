// `berth cluster init|add|join|leave`: growing the lxd runtime from one machine to several, as an operator does it.
// The first machine (the Berth server, the mirror and the caches) founds the cluster; `add` there prints a token
// for a new machine; `join` on that machine installs Debian's lxd, joins, and routes its sandboxes to the first
// machine's mirror and caches (native/lxd/lxd-member.sh does the LXD and firewall work).
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const lxdDir = path.resolve(import.meta.dirname, '..', '..', '..', '..', 'native', 'lxd');
const run = promisify(execFile);

export interface JoinToken {
  serverName: string;
  /** host:port of the members when the token was made */
  addresses: string[];
}

/** What a join token of `lxc cluster add` says; a sentence for the operator when it is not one. */
export function readJoinToken(token: string): JoinToken {
  const bad = new Error('that is not a join token: `npx berth cluster add <name>` on a member of the cluster prints one');
  if (!/^[A-Za-z0-9+/=_-]{16,4096}$/.test(token)) throw bad;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw bad;
  }
  const t = parsed as { server_name?: unknown; addresses?: unknown; secret?: unknown };
  if (typeof t.server_name !== 'string' || typeof t.secret !== 'string' || !Array.isArray(t.addresses) || !t.addresses.every((a) => typeof a === 'string') || t.addresses.length === 0) throw bad;
  return { serverName: t.server_name, addresses: t.addresses as string[] };
}

/** "10.0.0.5:8443" or "[fd00::5]:8443" → the host part. */
export function hostOf(address: string): string {
  const v6 = /^\[([^\]]+)\]/.exec(address);
  return v6 ? v6[1]! : address.replace(/:\d+$/, '');
}

/** This machine's address on the way to `to` (or to anywhere, for the first machine). */
export async function sourceAddressTowards(to = '192.0.2.1'): Promise<string> {
  const { stdout } = await run('ip', ['-o', 'route', 'get', to]);
  const src = /\bsrc (\S+)/.exec(stdout)?.[1];
  if (!src) throw new Error(`no route from this machine to ${to}: give --address`);
  return src;
}

type Step = (cmd: string, args: string[], env?: NodeJS.ProcessEnv) => Promise<number>;

async function must(step: Step, what: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<void> {
  const code = await step(cmd, args, env);
  if (code !== 0) throw new Error(`${what} failed (see the lines above)`);
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (!v || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}

/** The first machine, its lxd runtime already set up (berth prepare with BERTH_RUNTIME=lxd): founds the cluster. */
export async function clusterInit(args: string[], step: Step, say: (line: string) => void): Promise<void> {
  const name = flag(args, '--name') ?? os.hostname().split('.')[0]!;
  const address = flag(args, '--address') ?? (await sourceAddressTowards());
  await must(step, 'founding the cluster', 'bash', [path.join(lxdDir, 'lxd-member.sh'), 'found', name, address]);
  say(`this machine is member ${name} of an LXD cluster at ${address}:8443.`);
  say('Start Berth here with BERTH_RUNTIME=lxd and BERTH_LXD_MEMBER=' + name + '.');
  say('To add a machine: here, `sudo npx berth cluster add <its name>` prints a token; there, `sudo npx berth cluster join <token>`.');
}

/** On a member: a join token for a new machine called `name` (LXD's, valid until used or for 3 hours). */
export async function clusterAdd(args: string[], socketPath: string): Promise<string> {
  const name = args[0];
  if (!name || !/^[a-z0-9][a-z0-9-]{0,62}$/i.test(name)) throw new Error('usage: berth cluster add <name of the new machine> (letters, digits, dashes)');
  const { stdout } = await run('lxc', ['cluster', 'add', name, '--quiet'], { env: { ...process.env, LXD_DIR: path.dirname(socketPath) } }).catch((err: { stderr?: string; message: string }) => {
    throw new Error(`LXD refused a token for ${name}: ${(err.stderr ?? err.message).trim()}`);
  });
  return stdout.trim();
}

/** A new machine: Debian's lxd, its daemon, the join, and the way to the first machine's mirror and caches. */
export async function clusterJoin(args: string[], step: Step, say: (line: string) => void): Promise<void> {
  const tokenText = args.find((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1]!.startsWith('--')));
  if (!tokenText) throw new Error('usage: berth cluster join <token> [--name <name>] [--address <this machine>] [--services <the first machine>]');
  const token = readJoinToken(tokenText);
  const name = flag(args, '--name') ?? token.serverName;
  const services = flag(args, '--services') ?? hostOf(token.addresses[0]!);
  const address = flag(args, '--address') ?? (await sourceAddressTowards(services));
  const host = path.join(lxdDir, 'lxd-host.sh');
  await must(step, "installing Debian's lxd", 'bash', [host, 'packages']);
  await must(step, 'starting the LXD daemon', 'bash', [host, 'daemon']);
  await must(step, 'joining the cluster', 'bash', [path.join(lxdDir, 'lxd-member.sh'), 'join', name, address, tokenText]);
  await must(step, "the sandboxes' firewall", 'bash', [path.join(lxdDir, 'lxd-member.sh'), 'firewall', services]);
  say(`this machine joined as ${name} (${address}:8443); its sandboxes reach the mirror through ${services}.`);
}

/** This machine out of the cluster (evacuated first: LXD lets a member go only once it holds no instances). */
export async function clusterLeave(step: Step): Promise<void> {
  await must(step, 'leaving the cluster', 'bash', [path.join(lxdDir, 'lxd-member.sh'), 'leave']);
}
