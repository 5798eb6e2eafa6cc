// `berth images list | pull <refs…> | import <archive>`: the operator's view of what visitors can pull.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { hostPaths } from '../host/host-services.js';
import { MIRROR_PUSH_ADDR } from '../host/mirror.js';
import { registryCacheModeOf } from '../host/registry-cache.js';
import { ArchiveError, importArchive } from './import-archive.js';
import { formatImageTable, listCached, listOffline } from './image-list.js';
import { startMirrorWriter } from './mirror-writer.js';
import { catalog } from './registry-client.js';
import { warmCache } from './warm-cache.js';

const USAGE = 'Usage: berth images list | berth images pull <image…> | berth images import <docker-save archive>';

export async function imagesCommand(args: string[], config: Config, say: (line: string) => void): Promise<number> {
  const [sub, ...rest] = args;
  const mirrorUrl = `http://${config.serviceIp}:${config.mirrorPort}`;
  const paths = hostPaths(config);
  switch (sub) {
    case 'list': {
      const offline = await listOffline(mirrorUrl).catch((err: Error) => {
        throw new Error(`the offline mirror (${mirrorUrl}) did not answer: ${err.message}. Is Berth's host prepared (npx berth prepare)?`);
      });
      console.log(`Offline mirror (${mirrorUrl}), served first:`);
      for (const line of formatImageTable(offline)) console.log(line);
      if (!config.registryUpstream) {
        console.log('\nNo upstream (BERTH_REGISTRY_UPSTREAM is not set): sessions can pull only the images above.');
        return 0;
      }
      const cached = await listCached(paths.registryCacheData);
      const keptOnly = cacheKeepsOnly(paths.registryCacheConfig);
      console.log(`\nRegistry cache of ${config.registryUpstream.url} (${keptOnly ? 'serving only what it keeps: the upstream did not answer when it started' : 'any image it serves; kept here now'}):`);
      for (const line of cached.length ? formatImageTable(cached) : ['  (nothing yet: npx berth images pull <image…> fills it)']) console.log(line);
      return 0;
    }
    case 'pull': {
      if (!rest.length) break;
      if (!config.registryUpstream) {
        console.error('berth images pull fills the registry cache, which runs only with an upstream: set BERTH_REGISTRY_UPSTREAM (e.g. https://registry-1.docker.io) and start Berth once.');
        return 2;
      }
      if (cacheKeepsOnly(paths.registryCacheConfig)) {
        console.error(`berth images pull: the registry cache serves only what it keeps now: ${config.registryUpstream.url} did not answer when it started. Berth's host check has it pull through again within seconds of the upstream answering; try again then.`);
        return 1;
      }
      const offline = await catalog(mirrorUrl).catch(() => undefined);
      const failed = await warmCache({ cacheUrl: `http://${config.serviceIp}:${config.registryCachePort}`, refs: rest, say, offline });
      return failed.length ? 1 : 0;
    }
    case 'import': {
      if (rest.length !== 1) break;
      try {
        const pushed = await importArchive({
          archive: path.resolve(rest[0]!),
          workDir: path.join(config.dataDir, 'build'),
          say,
          openWriter: () =>
            startMirrorWriter({
              config: paths.mirrorPushConfig,
              addr: MIRROR_PUSH_ADDR,
              lockFile: path.join(config.dataDir, 'build', '.lock'),
              logFile: path.join(paths.logs, 'mirror-push.log'),
              say,
            }),
        });
        say(`imported ${pushed.length} image name${pushed.length === 1 ? '' : 's'}: sessions can pull ${pushed.join(', ')}`);
        return 0;
      } catch (err) {
        if (err instanceof ArchiveError) {
          console.error(`berth: ${err.message}`);
          return 1;
        }
        throw err;
      }
    }
  }
  console.error(USAGE);
  return 2;
}

function cacheKeepsOnly(configFile: string): boolean {
  return fs.existsSync(configFile) && registryCacheModeOf(fs.readFileSync(configFile, 'utf8')) === 'kept only';
}
