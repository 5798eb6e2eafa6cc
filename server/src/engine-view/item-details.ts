// One item of the engine view, inspected (a click on it): the inner Engine API's inspect answer, read as the
// learner shapes it (bounded, checked, cut), turned into the facts a learner looks for.
import type { EngineItemDetails, EngineItemKind } from '@berth/shared';
import { HttpError } from '../errors.js';
import type { ExecResult } from '../runtime/runtime.js';

const ITEM = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const VALUE_MAX = 512;
const LIST_MAX = 100;
const SCRIPT = `sock=\${DOCKER_HOST#unix://}
curl -sS --fail --max-time 5 --unix-socket "$sock" "http://engine/$1/$2$3"`;
const PATHS: Record<EngineItemKind, [string, string]> = { container: ['containers', '/json'], image: ['images', '/json'], network: ['networks', ''], volume: ['volumes', ''] };

type Json = unknown;
const obj = (v: Json): Record<string, Json> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, Json>) : {});
const arr = (v: Json): Json[] => (Array.isArray(v) ? v.slice(0, LIST_MAX) : []);
const str = (v: Json): string => (typeof v === 'string' ? v.slice(0, VALUE_MAX) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');
const strs = (v: Json): string[] => arr(v).map(str).filter(Boolean);

export async function itemDetails(
  exec: (cmd: string[]) => Promise<ExecResult>,
  kind: EngineItemKind,
  item: string,
): Promise<EngineItemDetails> {
  if (!ITEM.test(item)) throw new HttpError(400, 'An engine item is named by its id or name (letters, digits, _ . : -).');
  const [collection, suffix] = PATHS[kind];
  const r = await exec(['bash', '-c', SCRIPT, 'inspect', collection, item, suffix]);
  if (r.cut) throw new HttpError(503, 'Your engine did not answer in time; try again.');
  if (r.exitCode !== 0) throw new HttpError(404, `Your engine has no ${kind} ${item} (any more).`);
  let raw: Json;
  try {
    raw = JSON.parse(r.output);
  } catch {
    throw new HttpError(502, `Your engine's answer about ${kind} ${item} was not readable.`);
  }
  const i = obj(raw);
  const facts: EngineItemDetails['facts'] = [];
  const fact = (label: string, value: string[] | string) => {
    const list = (Array.isArray(value) ? value : [value]).filter(Boolean);
    if (list.length) facts.push({ label, value: list });
  };
  if (kind === 'container') {
    const config = obj(i.Config);
    const state = obj(i.State);
    const host = obj(i.HostConfig);
    fact('Image', str(config.Image));
    fact('Command', [...strs(config.Entrypoint), ...strs(config.Cmd)].join(' '));
    fact('State', `${str(state.Status)}${state.Status === 'exited' ? ` (exit ${str(state.ExitCode)})` : ''}`);
    fact('Health', str(obj(state.Health).Status));
    fact('Started', str(state.StartedAt));
    fact('Ports', Object.entries(obj(host.PortBindings)).slice(0, LIST_MAX).flatMap(([port, b]) => arr(b).map((x) => `${str(obj(x).HostPort)} → ${port.slice(0, 32)}`)));
    fact('Networks', Object.entries(obj(obj(i.NetworkSettings).Networks)).slice(0, LIST_MAX).map(([n, v]) => `${n.slice(0, 128)} ${str(obj(v).IPAddress)}`.trim()));
    fact('Mounts', arr(i.Mounts).map((m) => `${str(obj(m).Type)} ${str(obj(m).Name) || str(obj(m).Source)} → ${str(obj(m).Destination)}${obj(m).RW === false ? ' (read-only)' : ''}`));
    fact('Env', strs(config.Env));
    fact('Restart', str(obj(host.RestartPolicy).Name));
  } else if (kind === 'image') {
    const config = obj(i.Config);
    fact('Tags', strs(i.RepoTags));
    fact('Created', str(i.Created));
    fact('Entrypoint', strs(config.Entrypoint).join(' '));
    fact('Cmd', strs(config.Cmd).join(' '));
    fact('Working dir', str(config.WorkingDir));
    fact('User', str(config.User));
    fact('Exposed ports', Object.keys(obj(config.ExposedPorts)).slice(0, LIST_MAX));
    fact('Env', strs(config.Env));
  } else if (kind === 'network') {
    fact('Driver', str(i.Driver));
    fact('Subnet', arr(obj(i.IPAM).Config).map((c) => `${str(obj(c).Subnet)} via ${str(obj(c).Gateway)}`));
    fact('Containers', Object.values(obj(i.Containers)).slice(0, LIST_MAX).map((c) => `${str(obj(c).Name)} ${str(obj(c).IPv4Address)}`));
  } else {
    fact('Driver', str(i.Driver));
    fact('Created', str(i.CreatedAt));
    fact('Mountpoint', str(i.Mountpoint));
  }
  return { kind, id: str(i.Id) || item, name: (str(i.Name) || item).replace(/^\//, ''), facts };
}
