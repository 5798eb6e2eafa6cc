// The home folder's tree as the files panel shows it: folders listed when opened, the selected entry, and
// where a new file goes (the selected folder, or the selected file's folder).
import type { FileEntry } from '@berth/shared';
import type { FilesApi } from './api.js';

export const joinPath = (dir: string, name: string): string => (dir === '.' ? name : `${dir}/${name}`);
const dirOf = (path: string): string => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.');

export class FileTree {
  listings = $state(new Map<string, FileEntry[]>());
  expanded = $state(new Set<string>(['.']));
  selected = $state<string | null>(null);

  constructor(
    private readonly api: () => FilesApi | null,
    private readonly fail: (err: unknown) => void,
  ) {}

  async load(dir: string): Promise<void> {
    const api = this.api();
    if (!api) return;
    try {
      const listed = await api.list(dir);
      this.listings = new Map(this.listings).set(dir, listed.entries);
    } catch (err) {
      this.fail(err);
    }
  }

  async refresh(): Promise<void> {
    await Promise.all([...this.expanded].map((dir) => this.load(dir)));
  }

  async toggle(path: string): Promise<void> {
    const next = new Set(this.expanded);
    if (next.has(path)) next.delete(path);
    else {
      next.add(path);
      await this.load(path);
    }
    this.expanded = next;
  }

  /** Opens a folder and the folders it is in (after something was made there), each listed again: a folder
   * made on the way (a lesson step's file) appears in its parent. */
  async show(dir: string): Promise<void> {
    const parts = dir === '.' ? [] : dir.split('/');
    const chain = ['.', ...parts.map((_, i) => parts.slice(0, i + 1).join('/'))];
    const expanded = new Set(this.expanded);
    for (const d of chain) expanded.add(d);
    this.expanded = expanded;
    await Promise.all(chain.map((d) => this.load(d)));
  }

  entry(path: string): FileEntry | undefined {
    return this.listings.get(dirOf(path))?.find((e) => e.name === path.slice(path.lastIndexOf('/') + 1));
  }

  /** Where something new goes: the selected folder, the selected file's folder, or the home folder. */
  get targetDir(): string {
    const s = this.selected;
    if (!s) return '.';
    return this.entry(s)?.type === 'dir' ? s : dirOf(s);
  }
}
