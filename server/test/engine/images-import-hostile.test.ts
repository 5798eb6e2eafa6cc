// `berth images import` reads an archive from anywhere (a disk carried into a workshop): a malformed or
// hostile one is refused with one sentence naming the problem, nothing of it reaches the offline mirror
// (its writer is never even started), and nothing is written outside the import's own folder.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensurePackageCacheDisk, removePackageCacheDisk } from '../../src/host/package-cache.js';
import { ArchiveError, importArchive } from '../../src/images/import-archive.js';
import { runBerth } from '../helpers.js';

const engine = (...args: string[]) => execFileSync('docker', ['-H', 'unix:///run/berth/engine.sock', ...args], { encoding: 'utf8', stdio: 'pipe' });

describe('a malformed or hostile archive is refused with a sentence, and nothing is pushed', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-import-'));
  const id = crypto.randomBytes(4).toString('hex');
  const good = path.join(dir, 'good');
  let writerStarted = 0;

  /** An archive made of the good one's files, changed by `change` (a folder it may edit). */
  const archiveFrom = (name: string, change: (folder: string) => void): string => {
    const folder = path.join(dir, `${name}-src`);
    fs.cpSync(good, folder, { recursive: true, verbatimSymlinks: true });
    change(folder);
    const file = path.join(dir, `${name}.tar`);
    execFileSync('tar', ['-cf', file, '-C', folder, '.']);
    return file;
  };
  const manifestOf = (folder: string) => JSON.parse(fs.readFileSync(path.join(folder, 'manifest.json'), 'utf8')) as { Config: string; RepoTags: string[]; Layers: string[] }[];
  const writeManifest = (folder: string, m: unknown) => fs.writeFileSync(path.join(folder, 'manifest.json'), JSON.stringify(m));
  const refused = async (archive: string, why: RegExp, workDir = dir) => {
    await assert.rejects(
      importArchive({ archive, workDir, say: () => {}, openWriter: async () => { writerStarted++; throw new Error('the writer must not start'); } }),
      (err: Error) => err instanceof ArchiveError && why.test(err.message) && /[.)]$/.test(err.message),
    );
  };

  before(() => {
    engine('tag', 'hello-world:latest', `berthtest/import-${id}:v1`);
    const saved = path.join(dir, 'saved.tar');
    engine('save', '-o', saved, `berthtest/import-${id}:v1`);
    engine('rmi', `berthtest/import-${id}:v1`);
    fs.mkdirSync(good);
    execFileSync('tar', ['-xf', saved, '-C', good]);
  });
  after(() => {
    assert.equal(writerStarted, 0, "the mirror's writer was never started");
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('import-')), [], 'every import folder removed');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a file that is not a tar archive', async () => {
    const file = path.join(dir, 'notes.txt');
    fs.writeFileSync(file, 'these are my workshop notes, not images\n');
    await refused(file, /^notes\.txt is not a docker save archive: tar could not (read|unpack) it \(.+\)\.$/);
  });

  test('through the CLI: exit 1 and the sentence, no stack trace', async () => {
    const file = path.join(dir, 'garbage.tar');
    fs.writeFileSync(file, crypto.randomBytes(4096));
    const r = await runBerth(['images', 'import', file], { ...process.env });
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /berth: garbage\.tar is not a docker save archive: tar could not (read|unpack) it/);
    assert.doesNotMatch(r.output, /\n\s+at /, 'no stack trace');
  });

  test('a tar without manifest.json (not docker save output)', async () => {
    await refused(archiveFrom('no-index', (f) => fs.rmSync(path.join(f, 'manifest.json'))), /has no manifest\.json\.$/);
  });

  test('manifest.json that is a link to a host file', async () => {
    const file = archiveFrom('index-link', (f) => {
      fs.rmSync(path.join(f, 'manifest.json'));
      fs.symlinkSync('/etc/shadow', path.join(f, 'manifest.json'));
    });
    await refused(file, /manifest\.json leads out of the archive \(a link to \/etc\/shadow\); refused\.$/);
  });

  test('a layer named by a path out of the archive', async () => {
    const file = archiveFrom('layer-path', (f) => {
      const m = manifestOf(f);
      m[0]!.Layers[0] = '../../../../../../etc/passwd';
      writeManifest(f, m);
    });
    await refused(file, /\.\.\/etc\/passwd leads out of the archive \(a link to \/etc\/passwd\); refused\.$/);
  });

  test('a layer whose content was changed (it no longer matches its configuration)', async () => {
    const file = archiveFrom('tampered', (f) => {
      const layer = path.join(f, manifestOf(f)[0]!.Layers[0]!);
      const real = fs.realpathSync(layer);
      const bytes = fs.readFileSync(real);
      bytes.writeUInt8(bytes.readUInt8(bytes.length - 600) ^ 0xff, bytes.length - 600);
      fs.writeFileSync(real, bytes);
    });
    await refused(file, /layer 1 of berthtest\/import-[0-9a-f]+:v1 does not match its configuration \(the archive is damaged\)\.$/);
  });

  test('a name of another registry (the mirror stands in for Docker Hub only)', async () => {
    const file = archiveFrom('other-registry', (f) => {
      const m = manifestOf(f);
      m[0]!.RepoTags = ['registry.example.org/evil/image:1'];
      writeManifest(f, m);
    });
    await refused(file, /"registry\.example\.org\/evil\/image:1" is not a Docker Hub image name/);
  });

  test('a member that climbs out of the folder it is unpacked in is not written there', async () => {
    const escaped = path.join(path.dirname(dir), `escaped-${id}`);
    const file = path.join(dir, 'climb.tar');
    execFileSync('python3', ['-c', `
import io, tarfile
with tarfile.open(${JSON.stringify(file)}, 'w') as t:
    data = b'written outside'
    info = tarfile.TarInfo('../escaped-${id}')
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))
`]);
    await refused(file, /climb\.tar is not a docker save archive/);
    assert.equal(fs.existsSync(escaped), false);
  });

  test('a compressed archive that would unpack to more than the disk holds is refused before anything is written', async () => {
    const small = path.join(dir, 'small-disk');
    await ensurePackageCacheDisk(small, path.join(dir, 'small.ext4'), 64 * 2 ** 20);
    try {
      const file = path.join(dir, 'bomb.tar.gz');
      execFileSync('bash', ['-c', `head -c ${300 * 2 ** 20} /dev/zero > ${dir}/zeros && tar -czf ${file} -C ${dir} zeros && rm ${dir}/zeros`]);
      assert.ok(fs.statSync(file).size < 2 * 2 ** 20, 'the archive itself is small');
      await refused(file, /^bomb\.tar\.gz would take 630 MB to import, and .*small-disk has [0-9]+ MB free \(537 MB is kept for Berth\): free some space there first\.$/, small);
      assert.deepEqual(fs.readdirSync(small).filter((f) => f !== 'lost+found'), [], 'nothing unpacked');
    } finally {
      await removePackageCacheDisk(small);
    }
  });
});
