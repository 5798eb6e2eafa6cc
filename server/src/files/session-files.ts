// The learner's files, read and written inside their sandbox as the learner (through runtime/, like a lesson
// check): the host never opens a visitor's file by path. A path is relative to the home folder and is resolved
// in the sandbox, where a symlink leads only where the learner's own shell could go (their uid, their sandbox).
import type { FileContent, FileEntry } from '@berth/shared';
import { HttpError } from '../errors.js';
import type { ExecResult, ExecStream } from '../runtime/runtime.js';

/** What this needs of runtime/: a command in the sandbox as the learner, with an input. */
export interface FilesHost {
  exec(id: string, cmd: string[], opts: { timeoutMs: number; maxOutputBytes: number; input?: Buffer }): Promise<ExecResult>;
  execStream(id: string, cmd: string[], opts: { timeoutMs: number }): Promise<ExecStream>;
}

export interface Download {
  /** The name to save it under: the file's own, or the folder's with .tar.gz. */
  name: string;
  kind: 'file' | 'archive';
  stream: ExecStream;
}

export const FILE_LIMITS = { editBytes: 1024 * 1024, entries: 2000, pathChars: 1024, uploadBytes: 50 * 1024 * 1024, downloadBytes: 200 * 1024 * 1024 };
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;
const TIMEOUT_MS = 15_000;

/** A path under the home folder, as the page gives it: relative, no NUL, no leading dash games. */
export function homePath(raw: unknown): string {
  if (typeof raw !== 'string') throw new HttpError(400, 'A file path is a string, relative to your home folder.');
  const p = raw.replace(/^\/+/, '').replace(/^~\/?/, '');
  if (p.length > FILE_LIMITS.pathChars) throw new HttpError(400, `A file path has at most ${FILE_LIMITS.pathChars} characters.`);
  if (/[\0\n]/.test(p)) throw new HttpError(400, 'A file path cannot hold a NUL or a line break.');
  if (p.split('/').includes('..')) throw new HttpError(400, 'A file path stays in your home folder: ".." is not allowed.');
  return p === '' ? '.' : p;
}

// Each script gets the path as "$1" (never spliced into the script) and works from the home folder.
const LIST = `cd ~ && cd -- "$1" || exit 3
find . -mindepth 1 -maxdepth 1 -printf '%y\\t%s\\t%T@\\t%P\\0' 2>/dev/null | head -z -n ${FILE_LIMITS.entries}`;
const READ = `cd ~ || exit 3
[ -f "$1" ] || exit 4
[ -r "$1" ] || exit 9
size=$(stat -L -c %s -- "$1") || exit 4
[ "$size" -le ${FILE_LIMITS.editBytes} ] || exit 5
printf '%s:%s\\n' "$size" "$(stat -L -c %.9Y -- "$1")"
head -c ${FILE_LIMITS.editBytes} -- "$1"`;
// Written to a file beside it and moved over it, so a reader never sees half a file; "$2" is the version the
// editor read ('' for a new file, '*' to overwrite whatever is there), checked against the file's now.
const WRITE = `cd ~ || exit 3
if [ "$2" = '*' ]; then :
elif [ -n "$2" ]; then
  [ -f "$1" ] && now="$(stat -L -c %s -- "$1"):$(stat -L -c %.9Y -- "$1")" || now=gone
  [ "$now" = "$2" ] || { echo "$now"; exit 6; }
elif [ -e "$1" ]; then exit 7; fi
dir=$(dirname -- "$1"); mkdir -p -- "$dir" || exit 8
tmp=$(mktemp -- "$dir/.berth-save-XXXXXX") || exit 8
cat > "$tmp" && mv -f -- "$tmp" "$1" || { rm -f -- "$tmp"; exit 8; }
printf '%s:%s\\n' "$(stat -L -c %s -- "$1")" "$(stat -L -c %.9Y -- "$1")"`;

const MKDIR = `cd ~ && mkdir -p -- "$1"`;
const RENAME = `cd ~ || exit 3
[ -e "$1" ] || [ -L "$1" ] || exit 4
[ -e "$2" ] || [ -L "$2" ] && exit 7
mkdir -p -- "$(dirname -- "$2")" && mv -- "$1" "$2"`;
const DELETE = `cd ~ || exit 3
[ -e "$1" ] || [ -L "$1" ] || exit 4
rm -rf -- "$1"`;

const MEASURE = `cd ~ || exit 3
if [ -d "$1" ]; then printf 'dir %s\\n' "$(du -sb -- "$1" | cut -f1)"
elif [ -f "$1" ]; then [ -r "$1" ] || exit 9; printf 'file %s\\n' "$(stat -L -c %s -- "$1")"
else exit 4; fi`;
// Symlinks go into the archive as links (tar does not follow them), so a link to /etc brings no /etc.
const SEND_FILE = `cd ~ && exec cat -- "$1"`;
const SEND_FOLDER = `cd ~ && exec tar -czf - -- "$1"`;

export class SessionFiles {
  constructor(private readonly host: FilesHost) {}

  private async run(id: string, script: string, args: string[], input?: Buffer, maxOutputBytes = FILE_LIMITS.editBytes + 4096): Promise<ExecResult> {
    const result = await this.host.exec(id, ['bash', '-c', script, 'files', ...args], { timeoutMs: TIMEOUT_MS, maxOutputBytes, ...(input ? { input } : {}) });
    if (result.cut) throw new HttpError(503, 'Your sandbox did not answer about its files in time; try again.');
    return result;
  }

  async list(id: string, dir: string): Promise<FileEntry[]> {
    const r = await this.run(id, LIST, [dir], undefined, 512 * 1024);
    if (r.exitCode === 3) throw new HttpError(404, `There is no folder ~/${dir === '.' ? '' : dir} in your sandbox.`);
    const types: Record<string, FileEntry['type']> = { f: 'file', d: 'dir', l: 'link' };
    return r.output
      .split('\0')
      .filter(Boolean)
      .map((line) => {
        const [y = '', size = '0', mtime = '0', ...name] = line.split('\t');
        return { name: name.join('\t'), type: types[y] ?? 'other', size: Number(size) || 0, mtime: Math.floor(Number(mtime) || 0) };
      })
      .filter((e) => e.name)
      .sort((a, b) => Number(b.type === 'dir') - Number(a.type === 'dir') || a.name.localeCompare(b.name));
  }

  async read(id: string, path: string): Promise<FileContent> {
    const r = await this.run(id, READ, [path]);
    if (r.exitCode === 4) throw new HttpError(404, `There is no file ~/${path} in your sandbox.`);
    if (r.exitCode === 9) throw new HttpError(403, `You may not read ~/${path}: its permissions (or those of what it links to) do not let you.`);
    if (r.exitCode === 5) throw new HttpError(413, `~/${path} is larger than ${FILE_LIMITS.editBytes / 1024 / 1024} MiB: open it in the terminal (less), or download it.`);
    if (r.exitCode !== 0) throw new HttpError(502, `Reading ~/${path} failed in your sandbox (exit ${r.exitCode}).`);
    const nl = r.output.indexOf('\n');
    const content = r.output.slice(nl + 1);
    if (content.includes('\0') || content.includes('\uFFFD')) throw new HttpError(415, `~/${path} is not text: download it instead of opening it in the editor.`);
    return { path, content, version: r.output.slice(0, nl) };
  }

  async mkdir(id: string, path: string): Promise<void> {
    const r = await this.run(id, MKDIR, [path]);
    if (r.exitCode !== 0) throw new HttpError(409, `~/${path} could not be made a folder (something else has that name?).`);
  }

  async rename(id: string, from: string, to: string): Promise<void> {
    if (from === '.' || to === '.') throw new HttpError(400, 'Your home folder itself cannot be renamed.');
    const r = await this.run(id, RENAME, [from, to]);
    if (r.exitCode === 4) throw new HttpError(404, `There is no ~/${from} in your sandbox.`);
    if (r.exitCode === 7) throw new HttpError(409, `~/${to} already exists.`);
    if (r.exitCode !== 0) throw new HttpError(502, `Renaming ~/${from} failed in your sandbox (exit ${r.exitCode}).`);
  }

  async remove(id: string, path: string): Promise<void> {
    if (path === '.') throw new HttpError(400, 'Your home folder itself cannot be deleted.');
    const r = await this.run(id, DELETE, [path]);
    if (r.exitCode === 4) throw new HttpError(404, `There is no ~/${path} in your sandbox.`);
    if (r.exitCode !== 0) throw new HttpError(502, `Deleting ~/${path} failed in your sandbox (exit ${r.exitCode}).`);
  }

  /** A file as it is, or a folder as a .tar.gz, streamed out of the sandbox. */
  async download(id: string, path: string): Promise<Download> {
    const measured = await this.run(id, MEASURE, [path]);
    if (measured.exitCode === 4) throw new HttpError(404, `There is no ~/${path} in your sandbox.`);
    if (measured.exitCode === 9) throw new HttpError(403, `You may not read ~/${path}.`);
    const [kind, size] = measured.output.trim().split(' ');
    if (measured.exitCode !== 0 || (kind !== 'dir' && kind !== 'file')) throw new HttpError(502, `Reading ~/${path} failed in your sandbox (exit ${measured.exitCode}).`);
    if (Number(size) > FILE_LIMITS.downloadBytes) {
      throw new HttpError(413, `~/${path} holds ${Math.round(Number(size) / 1024 / 1024)} MiB; downloads take up to ${FILE_LIMITS.downloadBytes / 1024 / 1024} MiB. Download a smaller part of it.`);
    }
    const base = path === '.' ? 'home' : path.slice(path.lastIndexOf('/') + 1);
    const script = kind === 'dir' ? SEND_FOLDER : SEND_FILE;
    const stream = await this.host.execStream(id, ['bash', '-c', script, 'files', path], { timeoutMs: DOWNLOAD_TIMEOUT_MS });
    return { name: kind === 'dir' ? `${base}.tar.gz` : base, kind: kind === 'dir' ? 'archive' : 'file', stream };
  }

  /** A file from the learner's computer: written as it comes, over whatever has that name. */
  async upload(id: string, path: string, bytes: Buffer): Promise<{ version: string }> {
    if (path === '.') throw new HttpError(400, 'Name the file to upload.');
    const r = await this.run(id, WRITE, [path, '*'], bytes);
    if (r.exitCode !== 0) throw new HttpError(r.output.includes('No space') ? 507 : 502, `Uploading to ~/${path} failed in your sandbox (exit ${r.exitCode}); your disk may be full.`);
    return { version: r.output.trim() };
  }

  /** base: the version the editor read, null for a file that must not exist yet, '*' to overwrite. */
  async write(id: string, path: string, content: string, base: string | null): Promise<{ version: string }> {
    const bytes = Buffer.from(content, 'utf8');
    if (bytes.length > FILE_LIMITS.editBytes) throw new HttpError(413, `The editor saves files of up to ${FILE_LIMITS.editBytes / 1024 / 1024} MiB.`);
    const r = await this.run(id, WRITE, [path, base ?? ''], bytes);
    if (r.exitCode === 6) throw new HttpError(409, `~/${path} changed in your sandbox since you opened it (from the terminal?): reopen it to see the change, or save again to overwrite it.`);
    if (r.exitCode === 7) throw new HttpError(409, `~/${path} already exists: open it instead.`);
    if (r.exitCode !== 0) throw new HttpError(r.output.includes('No space') ? 507 : 502, `Saving ~/${path} failed in your sandbox (exit ${r.exitCode}); your disk may be full.`);
    return { version: r.output.trim() };
  }
}
