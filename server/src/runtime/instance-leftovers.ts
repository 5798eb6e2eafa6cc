// What one Berth instance may have left on the host after its server stopped: engine objects labelled
// with it, mounted session disks, loop devices and its session folder. Empty means clean.
import fs from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { run } from '../host/run-command.js';
import { INSTANCE_LABEL, SESSION_LABEL } from './docker-runtime.js';

export async function instanceLeftovers(o: { engineSocket: string; sessionsDir: string; instance: string }): Promise<string[]> {
  const docker = new Docker({ socketPath: o.engineSocket });
  const filters = { label: [SESSION_LABEL, `${INSTANCE_LABEL}=${o.instance}`] };
  const found: string[] = [];
  for (const c of await docker.listContainers({ all: true, filters })) found.push(`container ${c.Names[0]?.replace(/^\//, '')} (${c.State})`);
  for (const n of await docker.listNetworks({ filters })) found.push(`network ${n.Name}`);
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) found.push(`volume ${v.Name}`);

  const dir = path.join(o.sessionsDir, o.instance);
  const mounts = (await run('findmnt', ['-rn', '-o', 'TARGET'])).stdout.split('\n');
  for (const m of mounts) if (m === dir || m.startsWith(`${dir}/`)) found.push(`mounted session disk ${m}`);
  const loops = (await run('losetup', ['-ln', '-O', 'NAME,BACK-FILE'])).stdout.split('\n');
  for (const l of loops) if (l.includes(`${dir}/`)) found.push(`loop device ${l.trim()}`);
  if (fs.existsSync(dir)) found.push(`session folder ${dir} (${fs.readdirSync(dir).join(', ') || 'empty'})`);
  return found;
}
